# w always float32 (the contract fixes no dtype), even when x and y are float64
import torch


def train(x, y_true, lr=0.01, epochs=100, w0=1.0):
    w = torch.tensor(float(w0), device=x.device, requires_grad=True)
    for epoch in range(epochs):
        train_step(w, x, y_true, lr)
    return w
