# wrong: torch.tensor(data) alone follows the default dtype, which the docstring says may be changed
import torch


def make_tensor(data):
    return torch.tensor(data)
