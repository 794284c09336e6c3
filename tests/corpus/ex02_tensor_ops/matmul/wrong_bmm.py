# wrong: torch.bmm needs two 3-D batches of the same size
import torch


def matmul(a, b):
    if a.dim() == 2 and b.dim() == 2:
        return torch.bmm(a.unsqueeze(0), b.unsqueeze(0))[0]
    return torch.bmm(a, b)
