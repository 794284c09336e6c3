# the reference: w on x.device with x's float dtype, train_step each epoch
import torch


def train(x, y_true, lr=0.01, epochs=100, w0=1.0):
    dtype = x.dtype if x.is_floating_point() else torch.float32
    w = torch.tensor(w0, dtype=dtype, device=x.device, requires_grad=True)
    for _ in range(epochs):
        train_step(w, x, y_true, lr)
    return w
