# wrong: mini-batches of 8 rows, one step each, where one step on the whole batch per epoch is due
import torch


def fit(model, x, y, lr=0.1, epochs=200):
    criterion = torch.nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        first = None
        for i in range(0, len(x), 8):
            optimizer.zero_grad()
            loss = criterion(model(x[i:i + 8]), y[i:i + 8])
            loss.backward()
            optimizer.step()
            if first is None:
                first = loss.item()
        losses.append(first)
    return losses
