# wrong: one optimizer step per sample (stochastic updates) where one full-batch step per epoch is due
import torch


def fit(model, x, y, lr=0.1, epochs=200):
    criterion = torch.nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        total = 0.0
        for xi, yi in zip(x, y):
            optimizer.zero_grad()
            loss = criterion(model(xi), yi)
            loss.backward()
            optimizer.step()
            total += loss.item()
        losses.append(total / len(x))
    return losses
