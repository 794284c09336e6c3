# wrong: enters a no_grad context by hand and never leaves it (recording stays off after the call)
import torch


def eval_no_grad(f, x):
    torch.no_grad().__enter__()
    return f(x)
