# w is always float32, even for float64 data
import torch


def train(x, y_true, lr=0.01, epochs=100, w0=1.0):
    w = torch.tensor(w0, device=x.device, requires_grad=True)
    for _ in range(epochs):
        train_step(w, x, y_true, lr)
    return w
