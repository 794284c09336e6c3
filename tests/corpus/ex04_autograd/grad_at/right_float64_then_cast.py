# right: differentiate in float64, then hand back float32
import torch


def grad_at(f, x):
    xt = torch.tensor(float(x), dtype=torch.float64, requires_grad=True)
    f(xt).backward()
    return xt.grad.to(torch.float32)
