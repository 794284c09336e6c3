# the reference: y.detach()
import torch


def detach(y):
    return y.detach()
