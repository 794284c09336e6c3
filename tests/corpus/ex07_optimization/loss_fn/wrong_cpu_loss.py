# wrong: computes the loss on CPU copies (the loss never lives on the inputs' device)
import torch


def loss_fn(y_pred, y_true):
    return ((y_pred.cpu() - y_true.cpu()) ** 2).mean()
