# right: an nn.MSELoss module, called on the inputs
import torch


def loss_fn(y_pred, y_true):
    criterion = torch.nn.MSELoss()
    return criterion(y_pred, y_true)
