# wrong: clone() copies, so the result does not share memory with t
def squeeze_all(t):
    return t.squeeze().clone()
