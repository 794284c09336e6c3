# wrong: @ is the matrix product, not the element-wise one
def mul(a, b):
    return a @ b
