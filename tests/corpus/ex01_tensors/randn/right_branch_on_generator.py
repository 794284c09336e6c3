# right: only pass the generator when there is one
import torch


def randn(*shape, generator=None):
    if generator is None:
        return torch.randn(*shape)
    return torch.randn(*shape, generator=generator)
