# torch.inference_mode() also turns gradient recording off
import torch


def eval_no_grad(f, x):
    with torch.inference_mode():
        return f(x)
