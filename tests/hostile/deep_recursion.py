"""eval_no_grad raises the recursion limit to 10**7 and recurses without end through a C function
(map), so the interpreter's C stack overflows: a crash, not a RecursionError."""
import sys


def _down(n):
    return list(map(_down, [n + 1]))


def eval_no_grad(f, x):
    sys.setrecursionlimit(10 ** 7)
    return _down(0)
