# resets between backward and reading: reads zeros
import torch


def fresh_grads(f, x0, steps):
    x = torch.tensor(float(x0), requires_grad=True)
    grads = []
    for _ in range(steps):
        f(x).backward()
        x.grad.zero_()
        grads.append(x.grad.item())
    return grads
