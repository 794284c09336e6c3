# wrong: float64 samples instead of float32
import torch


def randn(*shape, generator=None):
    return torch.randn(*shape, generator=generator, dtype=torch.float64)
