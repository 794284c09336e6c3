# wrong: torch.no_grad() as a bare statement does nothing, so the output carries a graph
import torch


def predict(model, x):
    torch.no_grad()
    out = model(x)
    return out
