# wrong: standard deviation 2 instead of 1
import torch


def randn(*shape, generator=None):
    return torch.randn(*shape, generator=generator) * 2
