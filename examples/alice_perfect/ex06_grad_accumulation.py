import torch


def accumulated_grads(f, x0, steps):
    x = torch.tensor(float(x0), requires_grad=True)
    out = []
    for _ in range(steps):
        f(x).backward()
        out.append(x.grad.item())
    return out


def fresh_grads(f, x0, steps):
    x = torch.tensor(float(x0), requires_grad=True)
    out = []
    for _ in range(steps):
        x.grad = None
        f(x).backward()
        out.append(float(x.grad))
    return out
