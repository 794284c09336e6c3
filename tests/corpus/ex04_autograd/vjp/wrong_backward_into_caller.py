# wrong: backward() on the caller's x adds into x.grad (and switches on its requires_grad)
def vjp(f, x, v):
    x.requires_grad_(True)
    f(x).backward(v)
    return x.grad
