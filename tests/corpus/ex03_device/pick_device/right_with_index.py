# right: a device with an index (cuda:0 / mps:0), chosen at run time
import torch


def pick_device():
    if torch.cuda.is_available():
        return torch.device("cuda", 0)
    if torch.backends.mps.is_built() and torch.backends.mps.is_available():
        return torch.device("mps:0")
    return torch.device("cpu")
