"""Trusted building blocks that graders name and the sandboxed child builds or measures.

Graders cannot hand a Python function, a generator or a model across the process boundary,
and some facts (numpy aliasing, ``.grad``, ``grad_fn``, hooks) do not survive it.  So a grader
*names* them: ``make("fn", "poly", coeffs=[5, 3, 1])`` is built in the child from this module, and
``probe("grad", 0)`` is measured there and returned as plain data.  The same functions are used in
the trusted process to compute expected values, so both sides agree by construction.
"""
from __future__ import annotations

import math
from typing import Any, Callable

from .wire import TAG

# ----------------------------------------------------------------------------- test functions
# Differentiable functions of one tensor, used for autograd stubs.  Each factory takes plain
# parameters and returns a function built only from torch operations.


def _poly(coeffs):
    def f(x):
        out = 0.0 * x
        for i, c in enumerate(coeffs):
            out = out + c * x ** i
        return out
    return f


def _functions() -> dict[str, Callable[..., Callable]]:
    import torch

    return {
        "poly": _poly,                                                      # Σ c_i x^i
        "sin_sq": lambda a=1.0: (lambda x: torch.sin(a * x ** 2)),           # chain rule
        "exp_mix": lambda a=0.5, b=1.0: (lambda x: torch.exp(a * x) + b * x ** 3),
        "cube_chain": lambda a=2.0, b=1.0: (lambda x: (a * x + b) ** 3),
        "tanh_scale": lambda a=1.5: (lambda x: torch.tanh(a * x) * x),
        "square": lambda: (lambda x: x * x),
        "softplus": lambda: (lambda x: torch.nn.functional.softplus(x)),
        "matvec": lambda A: (lambda x: torch.as_tensor(A, dtype=x.dtype, device=x.device) @ x),
        "log_sum_sq": lambda: (lambda x: torch.log1p(x ** 2)),
        "affine": lambda a=2.0, b=1.0: (lambda x: a * x + b),
    }


def function(name: str, **params) -> Callable:
    return _functions()[name](**params)


# ----------------------------------------------------------------------------- makers


def _leaf(t, grad=None):
    x = t.detach().clone().requires_grad_(True)
    if grad is not None:
        x.grad = grad.clone()
    return x


def _nonleaf(t, scale=2.0, shift=1.0):
    """A tensor that requires grad and has a grad_fn: ``leaf * scale + shift``."""
    return _leaf(t) * scale + shift


def _ndarray(t):
    return t.detach().cpu().numpy()


def _generator(seed, device="cpu"):
    import torch

    return torch.Generator(device=device).manual_seed(int(seed))


def _linear(in_features=1, out_features=1, seed=0, device="cpu"):
    import torch

    torch.manual_seed(int(seed))
    return torch.nn.Linear(in_features, out_features).to(device)


MAKERS: dict[str, Callable[..., Any]] = {
    "fn": function,
    "leaf": _leaf,
    "nonleaf": _nonleaf,
    "ndarray": _ndarray,
    "generator": _generator,
    "linear": _linear,
}


def make(name: str, *args, **kwargs) -> dict:
    """Grader side: a description of an object the child builds (see MAKERS)."""
    if name not in MAKERS:
        raise KeyError(f"unknown maker {name!r}")
    return {TAG: "make", "name": name, "args": list(args), "kwargs": dict(kwargs)}


def build(value: Any) -> Any:
    """Child side: turn maker descriptions (anywhere in args) into real objects."""
    t = type(value)
    if t is dict and value.get(TAG) == "make":
        args = [build(a) for a in value["args"]]
        kwargs = {k: build(v) for k, v in value["kwargs"].items()}
        return MAKERS[value["name"]](*args, **kwargs)
    if t is list:
        return [build(v) for v in value]
    if t is tuple:
        return tuple(build(v) for v in value)
    return value


# ----------------------------------------------------------------------------- probes


class Ctx:
    """What a probe sees: the built arguments, the results of each call, and its own state."""

    def __init__(self, args, kwargs):
        self.args, self.kwargs = args, kwargs
        self.results: list[Any] = []
        self.state: dict[str, Any] = {}
        self.callee_log: dict[str, list] = {}

    def pick(self, which):
        if which == "result":
            return self.results[-1] if self.results else None
        if type(which) is int:
            return self.args[which]
        return self.kwargs[which]


def _clone(t):
    import torch

    return t.detach().clone() if type(t) is torch.Tensor else None


def _tensor_facts(t) -> dict | None:
    import torch

    if not isinstance(t, torch.Tensor):
        return None
    return {"requires_grad": bool(t.requires_grad), "has_grad_fn": t.grad_fn is not None,
            "is_leaf": bool(t.is_leaf), "grad": _clone(t.grad) if t.is_leaf else None}


def _as_array(v):
    import numpy as np
    import torch

    if type(v) is np.ndarray:
        return v
    if isinstance(v, torch.Tensor) and v.device.type == "cpu":
        return v.detach().numpy()
    return None


def _np_shares(ctx, a, b):
    import numpy as np

    x, y = _as_array(ctx.pick(a)), _as_array(ctx.pick(b))
    if x is None or y is None or x.size == 0 or y.size == 0:
        return False
    return bool(np.shares_memory(x, y))


def _hook_before(ctx, which):
    seen: list = []
    t = ctx.pick(which)
    t.register_post_accumulate_grad_hook(lambda p: seen.append(_clone(p.grad)))
    ctx.state[f"hook:{which}"] = seen


def _params(ctx, which):
    m = ctx.pick(which)
    return {name: {"value": _clone(p), "grad": _clone(p.grad)} for name, p in m.named_parameters()}


#: name -> (before(ctx, *params) or None, after(ctx, *params) -> plain data)
PROBES: dict[str, tuple[Callable | None, Callable]] = {
    "facts": (None, lambda ctx, which="result": _tensor_facts(ctx.pick(which))),
    "np_shares": (None, _np_shares),
    "grad_hook": (_hook_before, lambda ctx, which: ctx.state[f"hook:{which}"]),
    "params": (None, _params),
    "callees": (None, lambda ctx: ctx.callee_log),
    "results": (None, lambda ctx: ctx.results),
}


def probe(name: str, *params) -> dict:
    if name not in PROBES:
        raise KeyError(f"unknown probe {name!r}")
    return {"name": name, "params": list(params)}


def isfinite_number(v: Any) -> bool:
    return type(v) in (int, float) and math.isfinite(v)
