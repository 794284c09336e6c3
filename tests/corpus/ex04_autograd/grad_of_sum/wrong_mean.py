# wrong: the mean divides every gradient by len(xs)
import torch


def grad_of_sum(f, xs):
    x = torch.tensor(xs, dtype=torch.float32, requires_grad=True)
    f(x).mean().backward()
    return x.grad
