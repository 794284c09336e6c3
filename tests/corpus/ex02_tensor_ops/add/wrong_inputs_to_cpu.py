# wrong: computes on copies moved to the CPU ("cpu" hard-coded)
def add(a, b):
    return a.to("cpu") + b.to("cpu")
