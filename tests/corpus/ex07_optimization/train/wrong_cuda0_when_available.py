# wrong: creates w on "cuda:0" whenever a GPU exists, instead of on x.device
import torch


def train(x, y_true, lr=0.01, epochs=100, w0=1.0):
    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    w = torch.tensor(w0, dtype=torch.float32, device=device, requires_grad=True)
    for _ in range(epochs):
        train_step(w, x, y_true, lr)
    return w
