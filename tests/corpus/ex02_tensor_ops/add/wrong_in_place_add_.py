# wrong: a.add_(b) writes the sum into the caller's a
def add(a, b):
    return a.add_(b)
