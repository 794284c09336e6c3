# right: torch.as_tensor with dtype=float32 takes ints too; requires_grad_ afterwards
import torch


def grad_at(f, x):
    xt = torch.as_tensor(x, dtype=torch.float32).requires_grad_()
    out = f(xt)
    out.backward()
    return xt.grad.detach()
