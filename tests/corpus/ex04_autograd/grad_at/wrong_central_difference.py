# wrong: a central difference quotient in float32 instead of autograd (close on smooth f, off at a kink)
import torch


def grad_at(f, x):
    h = 1e-3
    xt = torch.tensor(float(x), dtype=torch.float32)
    return ((f(xt + h) - f(xt - h)) / (2 * h)).to(torch.float32)
