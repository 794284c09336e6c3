# rebinds w to a new tensor: the caller's w never changes
import torch


def train_step(w, x, y_true, lr):
    loss = loss_fn(w * x, y_true)
    loss.backward()
    with torch.no_grad():
        w = w - lr * w.grad
    return loss.item()
