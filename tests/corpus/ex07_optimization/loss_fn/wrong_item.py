# returns a Python number: the graph is cut
import torch


def loss_fn(y_pred, y_true):
    return ((y_pred - y_true) ** 2).mean().item()
