# right: view with -1 lets torch work out the length
def flatten_row(t):
    return t.view(1, -1)
