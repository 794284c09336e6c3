# right: the Tensor.matmul method
def matmul(a, b):
    return a.matmul(b)
