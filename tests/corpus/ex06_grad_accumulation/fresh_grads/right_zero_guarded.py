# zero_() before every pass, guarded for the first pass when .grad is still None
import torch


def fresh_grads(f, x0, steps):
    x = torch.tensor(float(x0), requires_grad=True)
    grads = []
    for _ in range(steps):
        if x.grad is not None:
            x.grad.zero_()
        f(x).backward()
        grads.append(x.grad.item())
    return grads
