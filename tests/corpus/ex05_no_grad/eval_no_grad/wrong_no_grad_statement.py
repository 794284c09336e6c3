# wrong: torch.no_grad() written as a statement: it builds a context manager that is never entered
import torch


def eval_no_grad(f, x):
    torch.no_grad()
    return f(x)
