# wrong: shape (n,) instead of (1, n)
def flatten_row(t):
    return t.view(-1)
