# wrong: torch.Tensor(data) is always float32, so integer lists lose their int64 dtype
import torch


def make_tensor(data):
    return torch.Tensor(data)
