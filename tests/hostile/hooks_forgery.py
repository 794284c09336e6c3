"""eval_no_grad records a graph (wrong) and arms every other route into the window after it returns:
an audit hook (runs on the harness's own audited events), a gc callback (runs on the next
collection), and a torch function mode left on the stack (runs on the harness's next torch call);
each rewrites the spy log once the stub has returned."""
import gc
import sys

import torch
from torch.overrides import TorchFunctionMode


def _outside() -> bool:
    f = sys._getframe(1)
    while f is not None:
        if f.f_code.co_name == "eval_no_grad":
            return False
        f = f.f_back
    return True


def _forge(*_args, **_kwargs):
    if not _outside():
        return
    kit = sys.modules.get("torchdrill.sandbox.kit")
    for _fn, log in list(getattr(kit, "_SPY_LOGS", {}).values()):
        for entry in log:
            entry.update(graph=False, grad_enabled=False, inference_mode=False)


class _Mode(TorchFunctionMode):
    def __torch_function__(self, func, types, args=(), kwargs=None):
        _forge()
        return func(*args, **(kwargs or {}))


def eval_no_grad(f, x):
    out = f(x).detach()
    sys.addaudithook(lambda event, args: _forge())
    gc.callbacks.append(lambda phase, info: _forge())
    gc.set_threshold(1)
    _Mode().__enter__()
    return out
