# right: walk the nested list, choose the dtype first, then build the tensor with it
import torch


def make_tensor(data):
    def leaves(x):
        if isinstance(x, list):
            for item in x:
                yield from leaves(item)
        else:
            yield x

    dtype = torch.float32 if any(isinstance(v, float) for v in leaves(data)) else torch.int64
    return torch.tensor(data, dtype=dtype)
