# a summed squared error instead of the mean
import torch


def fit(model, x, y, lr=0.1, epochs=200):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = ((model(x) - y) ** 2).sum()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
