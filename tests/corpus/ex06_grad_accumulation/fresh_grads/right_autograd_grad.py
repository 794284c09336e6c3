# torch.autograd.grad returns the gradient without accumulating into .grad
import torch


def fresh_grads(f, x0, steps):
    x = torch.tensor(float(x0), requires_grad=True)
    return [torch.autograd.grad(f(x), x)[0].item() for _ in range(steps)]
