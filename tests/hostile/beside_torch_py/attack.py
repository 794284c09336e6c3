"""A correct-looking but wrong chapter: both stubs are off by a little (and detach copies)."""
import torch


def eval_no_grad(f, x):
    with torch.no_grad():
        return f(x) * 1.01


def detach(y):
    return y.detach().clone() + 0.01
