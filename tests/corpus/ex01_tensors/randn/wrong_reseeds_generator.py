# wrong: reseeds the caller's generator with its own initial seed before drawing: every call starts over
import torch


def randn(*shape, generator=None):
    if generator is not None:
        generator.manual_seed(generator.initial_seed())
    return torch.randn(shape, generator=generator).float()
