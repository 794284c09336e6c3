# always 100 epochs
import torch


def train(x, y_true, lr=0.01, epochs=100, w0=1.0):
    w = torch.tensor(w0, dtype=x.dtype, device=x.device, requires_grad=True)
    for _ in range(100):
        train_step(w, x, y_true, lr)
    return w
