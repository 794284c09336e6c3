# wrong: torch.tensor(xs, requires_grad=True) from the lecture's integers [1, 2, 3]: an int64 tensor cannot require grad
import torch


def grad_of_sum(f, xs):
    x = torch.tensor(xs, requires_grad=True)
    f(x).sum().backward()
    return x.grad.float()
