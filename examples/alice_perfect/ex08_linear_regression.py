import torch
from torch import nn


def make_model(in_features=1, out_features=1):
    return nn.Linear(in_features, out_features)


def fit(model, x, y, lr=0.1, epochs=200):
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    history = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    return history


def predict(model, x):
    with torch.no_grad():
        return model(x)
