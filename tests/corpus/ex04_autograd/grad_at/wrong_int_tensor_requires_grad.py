# wrong: torch.tensor(x, requires_grad=True) straight from the lecture's integer x: integer tensors cannot require grad
import torch


def grad_at(f, x):
    xt = torch.tensor(x, requires_grad=True)
    f(xt).backward()
    return xt.grad.to(torch.float32)
