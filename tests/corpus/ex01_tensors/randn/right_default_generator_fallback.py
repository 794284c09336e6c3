# right: torch.default_generator when none is given; the given generator otherwise
import torch


def randn(*shape, generator=None):
    g = generator if generator is not None else torch.default_generator
    return torch.randn(shape, generator=g, dtype=torch.float32)
