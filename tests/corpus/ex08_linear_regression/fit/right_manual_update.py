# no optimizer: the update by hand under no_grad, grads reset with None
import torch


def fit(model, x, y, lr=0.1, epochs=200):
    losses = []
    for _ in range(epochs):
        loss = torch.mean((model(x) - y) ** 2)
        for p in model.parameters():
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= lr * p.grad
        losses.append(loss.item())
    return losses
