# right: remembers the mode, predicts in eval mode under inference_mode, puts the mode back
import torch


def predict(model, x):
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            return model(x)
    finally:
        model.train(was_training)
