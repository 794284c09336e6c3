# wrong: numpy's add applied to the tensors (works on CPU tensors only: no GPU, no other device)
import numpy as np


def add(a, b):
    return np.add(a, b)
