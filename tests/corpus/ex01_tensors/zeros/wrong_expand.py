# wrong: expand only pretends to have the shape: every element is the same memory cell
import torch


def zeros(*shape):
    return torch.zeros(1, dtype=torch.float32).expand(*shape)
