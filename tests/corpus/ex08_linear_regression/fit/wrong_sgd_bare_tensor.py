# wrong: torch.optim.SGD(model.weight, lr) with a bare tensor (an iterable of parameters is due)
import torch


def fit(model, x, y, lr=0.1, epochs=200):
    criterion = torch.nn.MSELoss()
    optimizer = torch.optim.SGD(model.weight, lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
