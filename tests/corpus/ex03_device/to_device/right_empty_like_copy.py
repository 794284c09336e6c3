# right: allocate on the target device, then copy the values in
import torch


def to_device(t, device):
    return torch.empty_like(t, device=device).copy_(t)
