# wrong: torch.rand draws uniform samples on [0, 1), not normal ones
import torch


def randn(*shape, generator=None):
    return torch.rand(*shape, generator=generator)
