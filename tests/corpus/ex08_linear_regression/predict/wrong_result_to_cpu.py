# wrong: hands the predictions back on the CPU, whatever device the model and x are on
import torch


def predict(model, x):
    with torch.no_grad():
        return model(x).cpu()
