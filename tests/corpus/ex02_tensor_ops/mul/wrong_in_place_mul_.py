# wrong: a.mul_(b) writes the product into the caller's a
def mul(a, b):
    return a.mul_(b)
