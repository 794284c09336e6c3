# divides by len(y_pred): only right for 1-D inputs
import torch


def loss_fn(y_pred, y_true):
    return ((y_pred - y_true) ** 2).sum() / len(y_pred)
