# wrong: flattens everything, which also merges dimensions that are not size 1
def squeeze_all(t):
    return t.view(-1)
