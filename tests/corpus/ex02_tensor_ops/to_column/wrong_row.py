# wrong: shape (1, n), a row instead of a column
def to_column(t):
    return t.reshape(1, -1)
