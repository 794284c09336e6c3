# wrong: float64, the claim of the lecture notes that the course corrects
import torch


def zeros(*shape):
    return torch.zeros(*shape, dtype=torch.float64)
