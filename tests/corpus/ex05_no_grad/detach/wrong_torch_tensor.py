# torch.tensor(y): a new copy (no grad, but no shared memory)
import torch


def detach(y):
    return torch.tensor(y)
