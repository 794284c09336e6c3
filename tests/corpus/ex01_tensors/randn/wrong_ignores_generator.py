# wrong: ignores the generator, so generators seeded alike give different tensors
import torch


def randn(*shape, generator=None):
    return torch.randn(*shape)
