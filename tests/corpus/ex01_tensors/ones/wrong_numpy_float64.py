# wrong: numpy's ones are float64, and from_numpy keeps that
import numpy as np
import torch


def ones(*shape):
    return torch.from_numpy(np.ones(shape))
