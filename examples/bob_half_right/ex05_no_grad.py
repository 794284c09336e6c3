import torch


def eval_no_grad(f, x):
    with torch.no_grad():
        return f(x)


def detach(y):
    return y.detach().clone()          # mistake: the copy breaks memory sharing
