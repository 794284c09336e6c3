# torch.full((), w0) like x, keyword arguments to train_step, a while loop
import torch


def train(x, y_true, lr=0.01, epochs=100, w0=1.0):
    w = torch.full((), float(w0), dtype=x.dtype, device=x.device).requires_grad_()
    done = 0
    while done < epochs:
        train_step(w=w, x=x, y_true=y_true, lr=lr)
        done += 1
    return w
