# wrong: rebuilds x from a list, which loses its dtype (float64 becomes float32) and device
import torch


def vjp(f, x, v):
    xx = torch.tensor(x.tolist(), requires_grad=True)
    return torch.autograd.grad(f(xx), xx, grad_outputs=v.to(xx.dtype))[0]
