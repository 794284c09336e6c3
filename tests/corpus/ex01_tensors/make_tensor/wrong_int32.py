# wrong: integers as torch.int (int32) instead of int64
import torch


def make_tensor(data):
    t = torch.tensor(data)
    if t.is_floating_point():
        return t.to(torch.float32)
    return t.to(torch.int)
