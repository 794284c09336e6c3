# wrong: mini-batches of two samples, one update each, where one step on the whole batch is due
import torch


def train_step(w, x, y_true, lr):
    xs, ys = x.reshape(-1), y_true.reshape(-1)
    first = None
    for i in range(0, xs.numel(), 2):
        loss = loss_fn(w * xs[i:i + 2], ys[i:i + 2])
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
        w.grad = None
        first = loss.item() if first is None else first
    return first
