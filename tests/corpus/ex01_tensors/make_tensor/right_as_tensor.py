# right: torch.as_tensor, then .to(torch.float32) for anything that is not an integer tensor
import torch


def make_tensor(data):
    t = torch.as_tensor(data)
    if t.dtype != torch.int64:
        t = t.to(torch.float32)
    return t
