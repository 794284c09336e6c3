# right: backward with a vector of ones is the gradient of the sum
import torch


def grad_of_sum(f, xs):
    x = torch.tensor(xs, dtype=torch.float32, requires_grad=True)
    y = f(x)
    y.backward(torch.ones_like(y))
    return x.grad
