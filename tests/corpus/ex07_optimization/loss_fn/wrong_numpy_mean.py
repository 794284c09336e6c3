# wrong: numpy's mean of the squared errors: a numpy float, cut off from the graph
import numpy as np


def loss_fn(y_pred, y_true):
    diff = y_pred.detach().cpu().numpy() - y_true.detach().cpu().numpy()
    return np.mean(diff ** 2)
