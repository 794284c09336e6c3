# arguments in the wrong order
import torch


def make_model(in_features=1, out_features=1):
    return torch.nn.Linear(out_features, in_features)
