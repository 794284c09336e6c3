# wrong: converts to float32, so integer inputs lose int64 and float64 inputs lose precision
def matmul(a, b):
    return a.float() @ b.float()
