# wrong: moves the caller's model and x to "cuda:0" when a GPU exists (the model leaves on another device)
import torch


def predict(model, x):
    device = "cuda:0" if torch.cuda.is_available() else "cpu"
    model.to(device)
    with torch.no_grad():
        return model(x.to(device))
