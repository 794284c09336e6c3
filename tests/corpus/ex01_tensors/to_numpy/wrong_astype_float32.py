# wrong: astype(float32) changes the dtype of integer and float64 tensors (and copies)
import numpy as np


def to_numpy(t):
    return t.detach().cpu().numpy().astype(np.float32)
