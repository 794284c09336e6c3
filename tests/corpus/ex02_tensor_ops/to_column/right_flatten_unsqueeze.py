# right: flatten (row-major), then add a column dimension
def to_column(t):
    return t.flatten().unsqueeze(1)
