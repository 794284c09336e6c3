# wrong: converts to float, so integer inputs no longer give int64
def add(a, b):
    return a.float() + b.float()
