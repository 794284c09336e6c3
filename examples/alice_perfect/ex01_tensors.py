import numpy as np
import torch


def make_tensor(data):
    t = torch.tensor(data)
    return t.float() if t.is_floating_point() else t


def from_numpy(arr):
    return torch.as_tensor(arr)


def to_numpy(t):
    if t.device.type != "cpu":
        t = t.cpu()
    return np.asarray(t.detach())


def zeros(*shape):
    return torch.zeros(shape, dtype=torch.float32)


def ones(*shape):
    return torch.full(shape, 1.0, dtype=torch.float32)


def randn(*shape, generator=None):
    return torch.normal(0.0, 1.0, size=shape, generator=generator, dtype=torch.float32)
