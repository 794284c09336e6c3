# wrong: builds x with torch.tensor(x0, requires_grad=True): fails for an integer x0 such as the lecture's 2
import torch


def fresh_grads(f, x0, steps):
    x = torch.tensor(x0, requires_grad=True)
    grads = []
    for _ in range(steps):
        x.grad = None
        f(x).backward()
        grads.append(x.grad.item())
    return grads
