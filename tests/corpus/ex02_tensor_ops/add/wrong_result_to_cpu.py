# wrong: moves the sum to the CPU, whatever device the inputs are on
import torch


def add(a, b):
    return torch.add(a, b).cpu()
