# wrong: float64 instead of float32
import torch


def grad_of_sum(f, xs):
    x = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    f(x).sum().backward()
    return x.grad
