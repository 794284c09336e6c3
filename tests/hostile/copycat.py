"""COPYCAT: neither stub is written by this student.  Each looks for the staged chapter files of
submissions graded earlier in the same run (/sandbox/sub-N/ex05_no_grad.py), loads one that is not
itself, and returns what that student's function returns."""
import os
import types


def _borrow(name):
    for i in range(1, 2000):
        path = f"/sandbox/sub-{i}/ex05_no_grad.py"
        try:
            with open(path) as fh:
                text = fh.read()
        except OSError:
            continue
        if "COPYCAT" in text or "hostile addition" in text:
            continue
        mod = types.ModuleType("borrowed")
        try:
            exec(compile(text, path, "exec"), mod.__dict__)
        except BaseException:
            continue
        fn = getattr(mod, name, None)
        if callable(fn):
            return fn
    raise NotImplementedError("nothing to copy")


def eval_no_grad(f, x):
    return _borrow("eval_no_grad")(f, x)


def detach(y):
    return _borrow("detach")(y)
