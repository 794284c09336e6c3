import torch


def eval_no_grad(f, x):
    with torch.inference_mode(False), torch.no_grad():
        y = f(x)
    return y


def detach(y):
    return y.data
