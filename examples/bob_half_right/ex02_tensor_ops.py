import torch


def add(a, b):
    return torch.add(a, b)


def mul(a, b):
    return torch.matmul(a, b)          # mistake: matrix product where element-wise is due


def matmul(a, b):
    return torch.matmul(a, b)


def flatten_row(t):
    return t.reshape(1, -1).clone()    # mistake: a copy where a view is due


def to_column(t):
    return t.view(-1, 1)               # mistake: fails on a non-contiguous input


def squeeze_all(t):
    return t.squeeze()
