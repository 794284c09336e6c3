# nn.Linear with keyword arguments and an explicit bias=True
from torch import nn


def make_model(in_features=1, out_features=1):
    model = nn.Linear(in_features=in_features, out_features=out_features, bias=True)
    return model
