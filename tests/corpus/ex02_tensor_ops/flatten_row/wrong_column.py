# wrong: shape (n, 1), a column instead of a row
def flatten_row(t):
    return t.view(-1, 1)
