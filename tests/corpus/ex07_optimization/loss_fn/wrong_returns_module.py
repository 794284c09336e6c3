# wrong: returns the nn.MSELoss module itself instead of calling it on the inputs
import torch


def loss_fn(y_pred, y_true):
    return torch.nn.MSELoss()
