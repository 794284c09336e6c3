# wrong: converts to float, so integer inputs no longer give int64
import torch


def mul(a, b):
    return torch.mul(a.to(torch.float32), b.to(torch.float32))
