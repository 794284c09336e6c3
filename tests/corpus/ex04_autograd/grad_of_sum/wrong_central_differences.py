# wrong: one float64 central difference per coordinate (accurate on smooth f, but not autograd)
import torch


def grad_of_sum(f, xs):
    x = torch.tensor([float(v) for v in xs], dtype=torch.float64)
    h = 1e-6
    out = torch.zeros_like(x)
    for i in range(len(xs)):
        e = torch.zeros_like(x)
        e[i] = h
        out[i] = (f(x + e).sum() - f(x - e).sum()) / (2 * h)
    return out.to(torch.float32)
