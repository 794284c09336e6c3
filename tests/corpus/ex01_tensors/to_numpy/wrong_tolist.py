# wrong: tolist() gives a Python list, not an ndarray
def to_numpy(t):
    return t.tolist()
