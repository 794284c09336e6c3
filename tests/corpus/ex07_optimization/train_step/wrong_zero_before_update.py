# resets between backward and the update: w never moves
import torch


def train_step(w, x, y_true, lr):
    loss = loss_fn(w * x, y_true)
    loss.backward()
    w.grad.zero_()
    with torch.no_grad():
        w -= lr * w.grad
    return loss.item()
