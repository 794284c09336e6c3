# wrong: a float64 central difference, cast to float32 (accurate on smooth f, but not autograd)
import torch


def grad_at(f, x):
    h = 1e-6
    xt = torch.tensor(float(x), dtype=torch.float64)
    slope = (f(xt + h) - f(xt - h)) / (2 * h)
    return slope.detach().to(torch.float32)
