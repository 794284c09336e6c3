# wrong: rebuilding from a Python list loses the dtype (float64 comes back float32)
import torch


def to_device(t, device):
    return torch.tensor(t.tolist(), device=device)
