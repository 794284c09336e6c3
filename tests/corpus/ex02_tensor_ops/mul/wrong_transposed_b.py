# wrong: multiplies by b transposed (a mix-up of rows and columns)
def mul(a, b):
    return a * b.t()
