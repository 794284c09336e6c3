# wrong: seeds torch with a fixed number instead of using the generator (every seed gives the same tensor)
import torch


def randn(*shape, generator=None):
    torch.manual_seed(0)
    return torch.randn(*shape)
