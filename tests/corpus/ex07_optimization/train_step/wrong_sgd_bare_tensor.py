# wrong: torch.optim.SGD(w, lr) with the bare tensor w (the optimizer needs an iterable of tensors: [w])
import torch


def train_step(w, x, y_true, lr):
    optimizer = torch.optim.SGD(w, lr)
    loss = loss_fn(w * x, y_true)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    return loss.item()
