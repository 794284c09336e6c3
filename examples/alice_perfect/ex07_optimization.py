import torch
import torch.nn.functional as F


def loss_fn(y_pred, y_true):
    return F.mse_loss(y_pred, y_true)


def train_step(w, x, y_true, lr):
    loss = loss_fn(w * x, y_true)
    loss.backward()
    with torch.no_grad():
        w.sub_(lr * w.grad)
    w.grad = None
    return loss.item()


def train(x, y_true, lr=0.01, epochs=100, w0=1.0):
    w = torch.tensor(float(w0), device=x.device, requires_grad=True)
    for epoch in range(epochs):
        train_step(w, x, y_true, lr)
    return w
