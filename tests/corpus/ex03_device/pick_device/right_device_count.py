# right: counts CUDA devices instead of asking is_available, and uses torch.mps for the Apple GPU
import torch


def pick_device():
    if torch.cuda.device_count() > 0:
        return torch.device("cuda")
    if torch.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")
