# right: the * operator
def mul(a, b):
    return a * b
