# the reference: compute inside torch.no_grad()
import torch


def eval_no_grad(f, x):
    with torch.no_grad():
        y = f(x)
    return y
