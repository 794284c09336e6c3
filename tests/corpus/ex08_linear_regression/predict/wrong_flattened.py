# squeezes the output to shape (N,)
import torch


def predict(model, x):
    with torch.no_grad():
        return model(x).squeeze(-1)
