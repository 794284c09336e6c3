# wrong: decides the dtype from the values, so [1.0, 2.0, 3.0] becomes int64 (and big ints go through float32)
import torch


def make_tensor(data):
    t = torch.tensor(data, dtype=torch.float32)
    if bool(torch.all(t == t.round())):
        return t.long()
    return t
