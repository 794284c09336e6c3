# right: b's method, operands in the other order (multiplication commutes)
def mul(a, b):
    return b.mul(a)
