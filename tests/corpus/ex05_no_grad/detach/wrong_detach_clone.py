# detach().clone(): right flags but a copy, not shared memory
import torch


def detach(y):
    return y.detach().clone()
