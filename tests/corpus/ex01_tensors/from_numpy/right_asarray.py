# right: torch.asarray also shares memory with the array by default
import torch


def from_numpy(arr):
    return torch.asarray(arr)
