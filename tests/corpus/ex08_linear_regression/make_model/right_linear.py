# the reference: torch.nn.Linear(in_features, out_features)
import torch


def make_model(in_features=1, out_features=1):
    return torch.nn.Linear(in_features, out_features)
