# right: torch.as_tensor with a device copies onto it when needed
import torch


def to_device(t, device):
    return torch.as_tensor(t, device=device)
