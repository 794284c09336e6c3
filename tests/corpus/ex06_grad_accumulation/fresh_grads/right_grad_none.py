# the reference: x.grad = None before every pass
import torch


def fresh_grads(f, x0, steps):
    x = torch.tensor(float(x0), dtype=torch.float32, requires_grad=True)
    grads = []
    for _ in range(steps):
        x.grad = None
        f(x).backward()
        grads.append(x.grad.item())
    return grads
