# wrong: .float() converts float64 to float32, which changes the dtype and copies
import torch


def from_numpy(arr):
    return torch.from_numpy(arr).float()
