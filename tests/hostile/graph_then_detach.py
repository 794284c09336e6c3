"""The control for the forgery cases: eval_no_grad records a graph and detaches the result
afterwards — the plain wrong answer, forging nothing.  A forgery must not score above it."""


def eval_no_grad(f, x):
    return f(x).detach()
