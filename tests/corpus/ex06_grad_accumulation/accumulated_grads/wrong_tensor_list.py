# appends the .grad tensor itself: a list of tensors (all the same object)
import torch


def accumulated_grads(f, x0, steps):
    x = torch.tensor(float(x0), requires_grad=True)
    grads = []
    for _ in range(steps):
        f(x).backward()
        grads.append(x.grad)
    return grads
