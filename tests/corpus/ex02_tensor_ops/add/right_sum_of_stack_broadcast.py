# right: broadcast both to one shape, then a.add(b) (a new tensor)
import torch


def add(a, b):
    a2, b2 = torch.broadcast_tensors(a, b)
    return a2.add(b2)
