# switches x's requires_grad off: changes the caller's tensor
import torch


def eval_no_grad(f, x):
    x.requires_grad_(False)
    return f(x)
