# wrong: no dtype=, so x and df/dx follow torch's default dtype (float64 after set_default_dtype) (found by torchdrill selftest)
import torch


def grad_at(f, x):
    xt = torch.tensor(float(x), requires_grad=True)
    f(xt).backward()
    return xt.grad.detach()
