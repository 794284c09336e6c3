# right: the + operator
def add(a, b):
    return a + b
