# wrong: stacking needs equal shapes, so broadcast operands fail
import torch


def add(a, b):
    return torch.stack([a, b]).sum(dim=0)
