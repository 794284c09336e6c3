# right: x0 * 1.0 makes any number a float before the tensor is built; zero_() once a gradient exists
import torch


def fresh_grads(f, x0, steps):
    x = torch.tensor(x0 * 1.0, requires_grad=True)
    grads = []
    for _ in range(steps):
        if x.grad is not None:
            x.grad.zero_()
        f(x).backward()
        grads.append(x.grad.item())
    return grads
