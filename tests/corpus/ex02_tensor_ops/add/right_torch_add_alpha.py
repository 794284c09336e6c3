# right: torch.add with alpha=1 (a + 1·b), in the inputs' device and dtype
import torch


def add(a, b):
    return torch.add(a, b, alpha=1)
