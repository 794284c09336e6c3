# wrong: returns a Python list instead of a tensor
import torch


def grad_of_sum(f, xs):
    x = torch.tensor(xs, dtype=torch.float32, requires_grad=True)
    f(x).sum().backward()
    return x.grad.tolist()
