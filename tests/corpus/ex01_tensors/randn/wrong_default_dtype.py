# wrong: no dtype=, so the samples follow torch's default dtype (float64 after set_default_dtype) (found by torchdrill selftest)
import torch


def randn(*shape, generator=None):
    return torch.randn(*shape, generator=generator)
