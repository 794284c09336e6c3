# ignores lr: always steps with 0.01
import torch


def train_step(w, x, y_true, lr):
    loss = loss_fn(w * x, y_true)
    loss.backward()
    with torch.no_grad():
        w -= 0.01 * w.grad
    w.grad.zero_()
    return loss.item()
