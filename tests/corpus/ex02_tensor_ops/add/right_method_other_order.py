# right: b.add(a), the operands in the other order (addition commutes)
def add(a, b):
    return b.add(a)
