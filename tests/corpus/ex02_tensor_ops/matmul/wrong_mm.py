# wrong: torch.mm only takes 2-D matrices, so batched and 1-D operands fail
import torch


def matmul(a, b):
    return torch.mm(a, b)
