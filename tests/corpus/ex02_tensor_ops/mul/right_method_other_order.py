# right: b.mul(a), the operands in the other order
def mul(a, b):
    return b.mul(a)
