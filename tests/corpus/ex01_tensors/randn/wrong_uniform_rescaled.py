# wrong: uniform samples on [-1, 1) are centred but still not normal
import torch


def randn(*shape, generator=None):
    return torch.rand(*shape, generator=generator) * 2 - 1
