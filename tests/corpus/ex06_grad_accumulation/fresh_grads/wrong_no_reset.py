# forgets to reset: gradients pile up
import torch


def fresh_grads(f, x0, steps):
    x = torch.tensor(float(x0), requires_grad=True)
    grads = []
    for _ in range(steps):
        f(x).backward()
        grads.append(x.grad.item())
    return grads
