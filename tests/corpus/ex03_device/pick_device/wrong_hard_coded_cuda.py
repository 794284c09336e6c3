# wrong: always cuda, whatever the machine has
import torch


def pick_device():
    return torch.device("cuda")
