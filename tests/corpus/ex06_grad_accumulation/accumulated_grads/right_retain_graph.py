# one graph reused with retain_graph=True; float(x.grad) instead of .item()
import torch


def accumulated_grads(f, x0, steps):
    x = torch.tensor([x0], dtype=torch.float32).squeeze().requires_grad_()
    y = f(x)
    out = []
    while len(out) < steps:
        y.backward(retain_graph=True)
        out.append(float(x.grad))
    return out
