# wrong: rebuilds the product from a Python list (a new CPU tensor)
import torch


def mul(a, b):
    return torch.tensor((a * b).tolist(), dtype=a.dtype)
