# the nn.MSELoss module
import torch


def loss_fn(y_pred, y_true):
    return torch.nn.MSELoss()(y_pred, y_true)
