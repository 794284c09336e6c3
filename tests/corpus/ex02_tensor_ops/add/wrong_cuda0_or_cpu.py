# wrong: puts the result on "cuda:0" when a GPU exists, else on the CPU (not where the inputs are)
import torch


def add(a, b):
    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    return (a + b).to(device)
