# wrong: no dtype, so the result follows torch's default dtype (float64 after set_default_dtype)
import torch


def zeros(*shape):
    return torch.zeros(*shape)
