# right: remove size-1 dimensions one at a time (each squeeze is a view)
def squeeze_all(t):
    while 1 in t.shape:
        t = t.squeeze(list(t.shape).index(1))
    return t
