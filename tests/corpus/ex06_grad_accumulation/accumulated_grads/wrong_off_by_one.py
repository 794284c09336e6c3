# reads the gradient before the backward pass of each step (first value missing, one pass too few)
import torch


def accumulated_grads(f, x0, steps):
    x = torch.tensor(float(x0), requires_grad=True)
    f(x).backward()
    grads = []
    for _ in range(steps):
        grads.append(x.grad.item())
        f(x).backward()
        grads[-1] = x.grad.item()
    return grads
