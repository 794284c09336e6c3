# wrong: sends t to "cuda:0" whenever a GPU exists, whatever device was asked for
import torch


def to_device(t, device):
    if torch.cuda.is_available():
        return t.to("cuda:0")
    return t.to(device)
