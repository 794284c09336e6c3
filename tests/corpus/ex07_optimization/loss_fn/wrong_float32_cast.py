# casts everything to float32 (float64 inputs lose their dtype)
import torch


def loss_fn(y_pred, y_true):
    return ((y_pred.float() - y_true.float()) ** 2).mean()
