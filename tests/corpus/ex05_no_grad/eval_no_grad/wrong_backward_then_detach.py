# computes, calls backward (leaves x.grad set), then detaches
import torch


def eval_no_grad(f, x):
    y = f(x)
    if y.requires_grad:
        y.sum().backward()
    return y.detach()
