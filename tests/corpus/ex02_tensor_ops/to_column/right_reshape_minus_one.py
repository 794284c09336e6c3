# right: reshape(-1, 1) copies only when the memory layout needs it
def to_column(t):
    return t.reshape(-1, 1)
