# wrong: hard-coded for the 2-D example
import torch


def zeros(*shape):
    return torch.zeros(shape[0], shape[1], dtype=torch.float32)
