# always starts from 1.0
import torch


def train(x, y_true, lr=0.01, epochs=100, w0=1.0):
    w = torch.tensor(1.0, dtype=x.dtype, device=x.device, requires_grad=True)
    for _ in range(epochs):
        train_step(w, x, y_true, lr)
    return w
