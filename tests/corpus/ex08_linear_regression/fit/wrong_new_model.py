# builds and trains a new model instead of the one given
import torch


def fit(model, x, y, lr=0.1, epochs=200):
    model = torch.nn.Linear(x.shape[1], y.shape[1]).to(x.device)
    criterion = torch.nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
