# the reference: one leaf, backward steps times, read .item() after each
import torch


def accumulated_grads(f, x0, steps):
    x = torch.tensor(float(x0), dtype=torch.float32, requires_grad=True)
    grads = []
    for _ in range(steps):
        f(x).backward()
        grads.append(x.grad.item())
    return grads
