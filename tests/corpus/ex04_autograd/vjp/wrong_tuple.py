# wrong: returns torch.autograd.grad's tuple instead of the tensor in it
import torch


def vjp(f, x, v):
    xx = x.detach().requires_grad_(True)
    return torch.autograd.grad(outputs=f(xx), inputs=xx, grad_outputs=v)
