# computes on detached predictions: no gradient for y_pred
import torch


def loss_fn(y_pred, y_true):
    return ((y_pred.detach() - y_true) ** 2).mean()
