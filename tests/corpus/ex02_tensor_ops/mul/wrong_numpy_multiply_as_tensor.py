# wrong: numpy's multiply, turned back into a tensor (CPU only: the result never lives on the inputs' device)
import numpy as np
import torch


def mul(a, b):
    return torch.from_numpy(np.multiply(a.numpy(), b.numpy()))
