# in-place update outside no_grad: autograd refuses
import torch


def train_step(w, x, y_true, lr):
    loss = loss_fn(w * x, y_true)
    loss.backward()
    w.sub_(lr * w.grad)
    w.grad.zero_()
    return loss.item()
