# wrong: the gradient of the plain sum ignores v (right only when v is all ones)
import torch


def vjp(f, x, v):
    xx = x.detach().requires_grad_(True)
    return torch.autograd.grad(f(xx).sum(), xx)[0]
