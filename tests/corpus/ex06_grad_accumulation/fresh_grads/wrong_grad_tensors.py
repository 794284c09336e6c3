# returns clones of the gradient tensors instead of floats
import torch


def fresh_grads(f, x0, steps):
    x = torch.tensor(float(x0), requires_grad=True)
    grads = []
    for _ in range(steps):
        x.grad = None
        f(x).backward()
        grads.append(x.grad.clone())
    return grads
