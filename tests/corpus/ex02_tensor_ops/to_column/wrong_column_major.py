# wrong: transposes first, so a matrix is read column by column
def to_column(t):
    return t.T.reshape(-1, 1)
