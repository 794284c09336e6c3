# resets the gradient every pass: that is fresh_grads, not accumulation
import torch


def accumulated_grads(f, x0, steps):
    x = torch.tensor(float(x0), requires_grad=True)
    grads = []
    for _ in range(steps):
        x.grad = None
        f(x).backward()
        grads.append(x.grad.item())
    return grads
