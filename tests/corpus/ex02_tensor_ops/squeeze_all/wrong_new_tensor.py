# wrong: a new tensor from the values does not share memory with t
import torch


def squeeze_all(t):
    return torch.tensor(t.squeeze().tolist(), dtype=t.dtype, device=t.device)
