# right: torch.accelerator names the available accelerator (cuda before mps), else cpu
import torch


def pick_device():
    if torch.accelerator.is_available():
        return torch.device(torch.accelerator.current_accelerator().type)
    return torch.device("cpu")
