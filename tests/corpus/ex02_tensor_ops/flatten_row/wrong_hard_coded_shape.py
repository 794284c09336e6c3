# wrong: hard-coded for the lecture's 2x2 example
def flatten_row(t):
    return t.view(1, 4)
