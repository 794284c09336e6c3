# w.sub_(...) under no_grad, reset with w.grad = None, float(loss)
import torch


def train_step(w, x, y_true, lr):
    loss = loss_fn(w * x, y_true)
    loss.backward()
    with torch.no_grad():
        w.sub_(lr * w.grad)
    w.grad = None
    return float(loss)
