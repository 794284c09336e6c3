# builds a new x inside the loop, so nothing accumulates
import torch


def accumulated_grads(f, x0, steps):
    grads = []
    for _ in range(steps):
        x = torch.tensor(float(x0), requires_grad=True)
        f(x).backward()
        grads.append(x.grad.item())
    return grads
