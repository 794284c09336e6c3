# wrong: requires_grad_() on the caller's own x changes it
import torch


def vjp(f, x, v):
    x.requires_grad_(True)
    return torch.autograd.grad(outputs=f(x), inputs=x, grad_outputs=v)[0]
