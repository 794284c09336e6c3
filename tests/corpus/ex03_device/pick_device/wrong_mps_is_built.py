# wrong: is_built() says torch was compiled with MPS, not that this machine has an MPS GPU
import torch


def pick_device():
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_built():
        return torch.device("mps")
    return torch.device("cpu")
