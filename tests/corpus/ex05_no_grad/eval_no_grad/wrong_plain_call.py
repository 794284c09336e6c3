# forgets no_grad altogether
import torch


def eval_no_grad(f, x):
    return f(x)
