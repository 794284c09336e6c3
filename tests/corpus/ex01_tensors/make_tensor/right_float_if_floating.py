# right: torch.tensor, then .float() when the result is floating (also under a float64 default)
import torch


def make_tensor(data):
    t = torch.tensor(data)
    return t.float() if t.is_floating_point() else t
