# wrong: torch.Tensor(arr) makes a float32 copy of a float64 (or integer) array
import torch


def from_numpy(arr):
    return torch.Tensor(arr)
