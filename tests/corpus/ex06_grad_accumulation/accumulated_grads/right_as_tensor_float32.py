# right: torch.as_tensor(x0, dtype=float32) takes an int or a float; float(x.grad) after each pass
import torch


def accumulated_grads(f, x0, steps):
    x = torch.as_tensor(x0, dtype=torch.float32).requires_grad_()
    out = []
    for _step in range(steps):
        y = f(x)
        y.backward()
        out.append(float(x.grad))
    return out
