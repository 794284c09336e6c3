# right: build the tensor first, switch on gradient tracking in place, then backward
import torch


def grad_at(f, x):
    xt = torch.tensor(float(x))
    xt.requires_grad_()
    y = f(xt)
    y.backward()
    return xt.grad
