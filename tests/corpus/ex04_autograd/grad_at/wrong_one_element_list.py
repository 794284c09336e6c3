# wrong: torch.tensor([x]) has shape (1,), so the derivative is not a 0-dim tensor
import torch


def grad_at(f, x):
    xt = torch.tensor([x], requires_grad=True)
    f(xt).backward()
    return xt.grad
