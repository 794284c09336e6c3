# y.data.clone(): a copy
import torch


def detach(y):
    return y.data.clone()
