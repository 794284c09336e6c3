# the function form torch.detach(y), then a view of the same shape
import torch


def detach(y):
    return torch.detach(y).view(y.shape)
