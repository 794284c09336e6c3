# right: float32 zeros plus one
import torch


def ones(*shape):
    return torch.zeros(shape, dtype=torch.float32) + 1
