# an inline loop with a summed loss that still ends near 2.0 on the seed data
import torch


def train(x, y_true, lr=0.01, epochs=100, w0=1.0):
    w = torch.tensor(w0, dtype=x.dtype, device=x.device, requires_grad=True)
    for _ in range(epochs):
        loss = ((w * x - y_true) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
        w.grad.zero_()
    return w
