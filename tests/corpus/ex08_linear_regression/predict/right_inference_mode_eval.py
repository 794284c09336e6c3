# model.eval() and torch.inference_mode()
import torch


def predict(model, x):
    model.eval()
    with torch.inference_mode():
        out = model(x)
    return out
