# right: make the memory contiguous first, then view
def to_column(t):
    return t.contiguous().view(t.numel(), 1)
