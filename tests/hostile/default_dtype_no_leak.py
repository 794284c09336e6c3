"""Both stubs correct, but each call first checks that the default dtype is still float32 and
then sets it to float64: if that setting leaked from one sandboxed call into the next, every
call after the first would raise."""
import torch


def _check():
    if torch.get_default_dtype() is not torch.float32:
        raise RuntimeError("__MARKER__ the default dtype leaked from an earlier call")


def eval_no_grad(f, x):
    _check()
    with torch.no_grad():
        out = f(x)
    torch.set_default_dtype(torch.float64)
    return out


def detach(y):
    _check()
    torch.set_default_dtype(torch.float64)
    return y.detach()
