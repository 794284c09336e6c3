# right: switches recording off and puts the previous mode back in a finally block
import torch


def eval_no_grad(f, x):
    previous = torch.is_grad_enabled()
    torch.set_grad_enabled(False)
    try:
        return f(x)
    finally:
        torch.set_grad_enabled(previous)
