# wrong: a += b changes the caller's tensor a
def add(a, b):
    a += b
    return a
