# wrong: integer ones
import torch


def ones(*shape):
    return torch.ones(*shape, dtype=torch.int64)
