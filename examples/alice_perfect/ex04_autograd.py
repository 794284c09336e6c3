import torch


def grad_at(f, x):
    t = torch.tensor(float(x), dtype=torch.float32, requires_grad=True)
    (g,) = torch.autograd.grad(f(t), t)
    return g


def grad_of_sum(f, xs):
    t = torch.tensor(xs, dtype=torch.float32, requires_grad=True)
    f(t).sum().backward()
    return t.grad


def vjp(f, x, v):
    x2 = x.detach().clone().requires_grad_(True)
    y = f(x2)
    y.backward(v)
    return x2.grad
