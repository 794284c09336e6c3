# wrong: moves the model and the data to "cuda:0" whenever a GPU exists, instead of training where they are
import torch


def fit(model, x, y, lr=0.1, epochs=200):
    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    model.to(device)
    x, y = x.to(device), y.to(device)
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
