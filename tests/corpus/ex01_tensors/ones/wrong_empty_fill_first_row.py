# wrong: only the first row is set to one, the rest of the uninitialised memory is left as it is
import torch


def ones(*shape):
    t = torch.empty(*shape, dtype=torch.float32)
    if t.dim() and t.shape[0]:
        t[0] = 1.0
    return t
