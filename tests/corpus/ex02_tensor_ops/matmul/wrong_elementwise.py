# wrong: * is the element-wise product
def matmul(a, b):
    return a * b
