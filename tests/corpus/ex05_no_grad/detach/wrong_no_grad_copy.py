# y * 1 under no_grad: no graph, but a new tensor instead of shared memory
import torch


def detach(y):
    with torch.no_grad():
        return y * 1
