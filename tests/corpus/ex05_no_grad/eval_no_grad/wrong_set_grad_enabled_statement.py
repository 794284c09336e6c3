# wrong: torch.set_grad_enabled(False) as a statement switches recording off for good (the caller's training breaks)
import torch


def eval_no_grad(f, x):
    torch.set_grad_enabled(False)
    return f(x)
