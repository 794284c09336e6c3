# right: flatten, then add the row dimension in front (both views on a contiguous tensor)
def flatten_row(t):
    return t.flatten().unsqueeze(0)
