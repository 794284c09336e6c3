# wrong: multiplies CPU copies of a and b
import torch


def matmul(a, b):
    return torch.matmul(a.cpu(), b.cpu())
