# wrong: torch.tensor(x0, requires_grad=True) from the lecture's integer x0 = 2: an int64 tensor cannot require grad
import torch


def accumulated_grads(f, x0, steps):
    x = torch.tensor(x0, requires_grad=True)
    grads = []
    for _ in range(steps):
        f(x).backward()
        grads.append(float(x.grad))
    return grads
