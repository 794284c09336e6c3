# wrong: returns f(x) instead of its derivative
import torch


def grad_at(f, x):
    xt = torch.tensor(float(x), requires_grad=True)
    return f(xt).detach()
