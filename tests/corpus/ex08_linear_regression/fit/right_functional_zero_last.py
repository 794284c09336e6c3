# F.mse_loss, model.zero_grad() after each step instead of before
import torch
import torch.nn.functional as F


def fit(model, x, y, lr=0.1, epochs=200):
    opt = torch.optim.SGD(model.parameters(), lr)
    history = []
    for epoch in range(epochs):
        loss = F.mse_loss(model(x), y)
        history.append(float(loss))
        loss.backward()
        opt.step()
        model.zero_grad()
    return history
