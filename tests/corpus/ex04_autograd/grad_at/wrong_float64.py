# wrong: differentiates in float64 and returns float64
import torch


def grad_at(f, x):
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    f(xt).backward()
    return xt.grad
