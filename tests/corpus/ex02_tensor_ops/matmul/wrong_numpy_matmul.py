# wrong: numpy's matmul on the tensors, made a tensor again (CPU only)
import numpy as np
import torch


def matmul(a, b):
    return torch.as_tensor(np.matmul(a, b))
