# right: t.to(device=device, copy=True) always makes a new tensor on the device asked for
import torch


def to_device(t, device):
    return t.to(device=device, copy=True)
