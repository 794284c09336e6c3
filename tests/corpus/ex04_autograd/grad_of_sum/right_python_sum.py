# right: Python's sum over the output's elements, then backward
import torch


def grad_of_sum(f, xs):
    x = torch.tensor([float(v) for v in xs], requires_grad=True)
    total = sum(f(x))
    total.backward()
    return x.grad.detach()
