# right: one conditional expression inside torch.device
import torch


def pick_device():
    return torch.device("cuda" if torch.cuda.is_available()
                        else "mps" if torch.backends.mps.is_available() else "cpu")
