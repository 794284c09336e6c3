# wrong: f'(x_i) at each point separately, which is only the gradient of the sum for element-wise f
import torch


def grad_of_sum(f, xs):
    out = []
    for value in xs:
        x = torch.tensor(float(value), requires_grad=True)
        f(x).backward()
        out.append(x.grad)
    return torch.stack(out)
