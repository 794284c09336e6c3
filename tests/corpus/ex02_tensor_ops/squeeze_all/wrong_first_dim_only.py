# wrong: only removes dimension 0
def squeeze_all(t):
    return t.squeeze(0)
