# wrong: w takes the dtype of integer data, and an int64 tensor cannot require grad (found by torchdrill selftest)
import torch


def train(x, y_true, lr=0.01, epochs=100, w0=1.0):
    dtype = x.dtype if not x.is_floating_point() else torch.float32
    w = torch.tensor(w0, dtype=dtype, device=x.device, requires_grad=True)
    for _ in range(epochs):
        train_step(w, x, y_true, lr)
    return w
