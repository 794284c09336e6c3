"""Trusted building blocks that graders name and the sandboxed child builds or measures.

Graders cannot hand a Python function, a generator or a model across the process boundary,
and some facts (numpy aliasing, ``.grad``, ``grad_fn``, hooks) do not survive it.  So a grader
*names* them: ``make("fn", "poly", coeffs=[5, 3, 1])`` is built in the child from this module, and
``probe("grad", 0)`` is measured there and returned as plain data.  The same functions are used in
the trusted process to compute expected values, so both sides agree by construction.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from .wire import TAG

if TYPE_CHECKING:
    import numpy.typing as npt
    import torch

    #: A differentiable function of one tensor (what ``make("fn", ...)`` builds).
    TestFn = Callable[[torch.Tensor], torch.Tensor]
    #: Which argument a probe looks at: a position, a keyword, or ``"result"``.
    Which = int | str

# ----------------------------------------------------------------------------- test functions
# Differentiable functions of one tensor, used for autograd stubs.  Each factory takes plain
# parameters and returns a function built only from torch operations.


def _poly(coeffs: Iterable[float]) -> TestFn:
    def f(x: torch.Tensor) -> torch.Tensor:
        out = 0.0 * x
        for i, c in enumerate(coeffs):
            out = out + c * x ** i
        return out
    return f


def _functions() -> dict[str, Callable[..., TestFn]]:
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
        "learned_scale": _learned_scale,                                    # owns a weight that requires grad
        # Autograd's derivative differs from a numerical one (finite differences) on these:
        "relu_kink": lambda a=2.0, b=0.5, k=1.0, c=0.25: (                  # a kink at x = k, where
            lambda x: a * torch.relu(x - k) - b * torch.relu(k - x) + c * x ** 2),  # autograd says 2ck
        "straight_through": lambda a=1.5: (                                 # value a·round(x), slope a
            lambda x: a * (x + (torch.round(x) - x).detach())),
    }


def _learned_scale(a: float = 1.5, b: float = 0.5) -> TestFn:
    """``w * x + b * x**2`` where ``w`` is a fresh leaf that requires grad (like a model's weight):
    detaching ``x`` alone does not keep a graph from being recorded."""
    import torch

    def f(x: torch.Tensor) -> torch.Tensor:
        w = torch.tensor(float(a), dtype=x.dtype, device=x.device, requires_grad=True)
        return w * x + b * x ** 2
    return f


def function(name: str, **params: Any) -> TestFn:
    return _functions()[name](**params)


# ----------------------------------------------------------------------------- makers


def _leaf(t: torch.Tensor, grad: torch.Tensor | None = None) -> torch.Tensor:
    x = t.detach().clone().requires_grad_(True)
    if grad is not None:
        x.grad = grad.clone()
    return x


def _nonleaf(t: torch.Tensor, scale: float = 2.0, shift: float = 1.0) -> torch.Tensor:
    """A tensor that requires grad and has a grad_fn: ``leaf * scale + shift``."""
    return _leaf(t) * scale + shift


def _ndarray(t: torch.Tensor) -> npt.NDArray[Any]:
    return t.detach().cpu().numpy()


def _generator(seed: int, device: str = "cpu") -> torch.Generator:
    import torch

    return torch.Generator(device=device).manual_seed(int(seed))


def _linear(in_features: int = 1, out_features: int = 1, seed: int = 0, device: str = "cpu") -> torch.nn.Linear:
    import torch

    manual_seed(int(seed))
    return torch.nn.Linear(in_features, out_features).to(device)


_accelerator: bool | None = None


def accelerator_available() -> bool:
    """Whether torch sees a CUDA, MPS or XPU device here (asked once; True when it cannot tell)."""
    global _accelerator
    if _accelerator is None:
        import torch

        try:
            xpu = getattr(torch, "xpu", None)
            _accelerator = bool(torch.cuda.is_available() or torch.backends.mps.is_available()
                                or (xpu is not None and xpu.is_available()))
        except Exception:
            _accelerator = True
    return _accelerator


def manual_seed(seed: int) -> None:
    """``torch.manual_seed(seed)``, at the CPU generator's cost where no accelerator is available:
    there torch's function also queues, for each accelerator it knows, a seeding that can never run,
    formatting a stack trace each time (0.1 to 0.5 ms a call, more in a deep stack).  The CPU
    generator ends in the same state either way."""
    import torch

    if accelerator_available():
        torch.manual_seed(seed)
    else:
        torch.default_generator.manual_seed(seed)


def _spy_entry(out: object) -> dict[str, bool]:
    import torch

    return {"grad_enabled": bool(torch.is_grad_enabled()),
            "inference_mode": bool(torch.is_inference_mode_enabled()),
            "graph": isinstance(out, torch.Tensor) and (out.grad_fn is not None or bool(out.requires_grad))}


#: id(spied callable) -> (the callable, its log).  Not an attribute or a closure cell of what the
#: student is handed, so ``f.__td_spy_log__`` or ``f.__closure__`` cannot rewrite what was seen.
_SPY_LOGS: dict[int, tuple[Any, list[dict[str, bool]]]] = {}


def _log_for(spied: object) -> list[dict[str, bool]]:
    entry = _SPY_LOGS.get(id(spied))
    if entry is None or entry[0] is not spied:
        entry = _SPY_LOGS[id(spied)] = (spied, [])
    return entry[1]


def _spy(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a test function (``make("spy", make("fn", ...))``): each call logs whether gradient
    recording was on and whether the output carries a graph; ``probe("spy", i)`` reads the log."""

    def spied(*a: Any, **k: Any) -> Any:
        out = fn(*a, **k)
        log = _log_for(spied)
        if len(log) < 10_000:
            log.append(_spy_entry(out))
        return out

    _log_for(spied)
    return spied


def _eval_mode(module: torch.nn.Module) -> torch.nn.Module:
    """``make("eval_mode", make("linear", ...))``: the module switched to eval mode (``module.eval()``)."""
    return module.eval()


def _spied_linear(in_features: int = 1, out_features: int = 1, seed: int = 0, device: str = "cpu") -> torch.nn.Linear:
    """``_linear`` whose forward logs like :func:`_spy` (``model(x)`` and ``model.forward(x)`` both);
    ``type(model)`` stays exactly ``torch.nn.Linear``."""
    m = _linear(in_features, out_features, seed, device)
    inner = m.forward

    def forward(*a: Any, **k: Any) -> Any:
        out = inner(*a, **k)
        log = _log_for(forward)
        if len(log) < 10_000:
            log.append(_spy_entry(out))
        return out

    _log_for(forward)
    m.forward = forward  # type: ignore[method-assign]  # this instance's forward only: type(m) stays Linear
    return m


MAKERS: dict[str, Callable[..., Any]] = {
    "fn": function,
    "leaf": _leaf,
    "nonleaf": _nonleaf,
    "ndarray": _ndarray,
    "generator": _generator,
    "linear": _linear,
    "spy": _spy,
    "spied_linear": _spied_linear,
    "eval_mode": _eval_mode,
}


def make(name: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
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

    def __init__(self, args: list[Any], kwargs: dict[str, Any]) -> None:
        self.args, self.kwargs = args, kwargs
        self.results: list[Any] = []
        self.state: dict[str, Any] = {}
        self.callee_log: dict[str, list[Any]] = {}

    def pick(self, which: Which) -> Any:
        if which == "result":
            return self.results[-1] if self.results else None
        if type(which) is int:
            return self.args[which]
        return self.kwargs[cast(str, which)]  # not a position: a keyword


def _clone(t: object) -> torch.Tensor | None:
    import torch

    return t.detach().clone() if type(t) is torch.Tensor else None


def _tensor_facts(t: object) -> dict[str, Any] | None:
    import torch

    if not isinstance(t, torch.Tensor):
        return None
    return {"requires_grad": bool(t.requires_grad), "has_grad_fn": t.grad_fn is not None,
            "is_leaf": bool(t.is_leaf), "grad": _clone(t.grad) if t.is_leaf else None}


def _as_array(v: object) -> npt.NDArray[Any] | None:
    import numpy as np
    import torch

    if type(v) is np.ndarray:
        return v
    if isinstance(v, torch.Tensor) and v.device.type == "cpu":
        return v.detach().numpy()
    return None


def _np_shares(ctx: Ctx, a: Which, b: Which) -> bool:
    import numpy as np

    x, y = _as_array(ctx.pick(a)), _as_array(ctx.pick(b))
    if x is None or y is None or x.size == 0 or y.size == 0:
        return False
    return bool(np.shares_memory(x, y))


def _hook_before(ctx: Ctx, which: Which) -> None:
    seen: list[torch.Tensor | None] = []
    t = ctx.pick(which)
    t.register_post_accumulate_grad_hook(lambda p: seen.append(_clone(p.grad)))
    ctx.state[f"hook:{which}"] = seen


def _params(ctx: Ctx, which: Which) -> dict[str, dict[str, torch.Tensor | None]]:
    m = ctx.pick(which)
    return {name: {"value": p.detach().clone(), "grad": _clone(p.grad)} for name, p in m.named_parameters()}


def _spy_log(ctx: Ctx, which: Which) -> list[dict[str, bool]] | None:
    """The log of a ``spy`` function or a ``spied_linear`` model (None if it is neither)."""
    import torch

    obj = ctx.pick(which)
    if isinstance(obj, torch.nn.Module):
        obj = obj.__dict__.get("forward")
    entry = _SPY_LOGS.get(id(obj))
    if entry is None or entry[0] is not obj:
        return None
    return [dict(e) for e in entry[1]]


def _backward(ctx: Ctx, wrt: Which, which: Which = "result") -> dict[str, Any]:
    """Call ``backward()`` on a returned 0-dim tensor and report the gradient of the leaf ``wrt``.

    ``grad_before`` is what the leaf held before (a stub must not call backward itself)."""
    import torch

    out, leaf = ctx.pick(which), ctx.pick(wrt)
    info: dict[str, Any] = {"grad_before": _clone(getattr(leaf, "grad", None)), "grad": None, "error": None}
    if type(out) is not torch.Tensor:
        info["error"] = "not a tensor"
        return info
    try:
        out.backward()  # type: ignore[no-untyped-call]  # torch's Tensor.backward is not annotated
    except Exception as exc:  # reported to the grader as data
        info["error"] = f"{type(exc).__name__}: {exc}"[:300]
        return info
    info["grad"] = _clone(leaf.grad)
    return info


def _module_facts(ctx: Ctx, which: Which = "result") -> dict[str, Any] | None:
    """What a returned (or passed) module is: exact type, sizes, bias, and its parameters."""
    import torch

    m = ctx.pick(which)
    if not isinstance(m, torch.nn.Module):
        return None
    t = type(m)
    facts: dict[str, Any] = {"type": f"{t.__module__}.{t.__qualname__}"[:200], "is_linear": t is torch.nn.Linear,
             "in_features": None, "out_features": None, "has_bias": None, "params": {},
             "training": m.training if type(m.training) is bool else None}
    if t is torch.nn.Linear:
        m = cast("torch.nn.Linear", m)  # type(m) is exactly Linear: its sizes are plain attributes
        facts["in_features"] = int(m.in_features) if type(m.in_features) is int else None
        facts["out_features"] = int(m.out_features) if type(m.out_features) is int else None
        facts["has_bias"] = m.bias is not None
    for name, p in list(m.named_parameters())[:20]:
        facts["params"][str(name)[:100]] = {
            "shape": tuple(int(s) for s in p.shape), "dtype": str(p.dtype).replace("torch.", ""),
            "device": str(p.device), "requires_grad": bool(p.requires_grad), "is_leaf": bool(p.is_leaf),
            # p is an nn.Parameter: detach() gives the plain tensor (_clone only takes exact tensors)
            "value": p.detach().clone(), "grad": _clone(p.grad)}
    return facts


def _grad_mode_after(ctx: Ctx) -> dict[str, bool] | None:
    """Gradient recording and inference mode as the student's call left them.  Both are
    thread-local, and probes are measured by the child's sealer thread, so the child reads them in
    the thread that ran the call, in C, right after it returned (``ctx.state["modes_after"]``)."""
    modes = ctx.state.get("modes_after")
    if not modes or len(modes) != 2:
        return None
    return {"grad_enabled": bool(modes[0]), "inference_mode": bool(modes[1])}


#: name -> (before(ctx, *params) or None, after(ctx, *params) -> plain data)
PROBES: dict[str, tuple[Callable[..., None] | None, Callable[..., Any]]] = {
    "facts": (None, lambda ctx, which="result": _tensor_facts(ctx.pick(which))),
    "np_shares": (None, _np_shares),
    "grad_hook": (_hook_before, lambda ctx, which: ctx.state[f"hook:{which}"]),
    "params": (None, _params),
    "callees": (None, lambda ctx: ctx.callee_log),
    "results": (None, lambda ctx: ctx.results),
    "spy": (None, _spy_log),
    "backward": (None, _backward),
    "module": (None, _module_facts),
    # Whether gradient recording is on once the call is over (a stub must not switch it off for good).
    "grad_mode": (None, _grad_mode_after),
    # Several "facts" in one call (probes are keyed by name, so a second "facts" would replace the first).
    "facts_of": (None, lambda ctx, *whiches: {str(w): _tensor_facts(ctx.pick(w)) for w in whiches}),
}


# ----------------------------------------------------------------------------- simulated machines
# Probes whose before() changes the child's surroundings for the duration of the student's call
# (trusted code that runs around it).  The student's module is executed before any probe's
# before(), so a name it bound at its top level (``from torch.cuda import is_available``) keeps
# the real function and escapes the simulation; attribute look-ups at call time
# (``torch.cuda.is_available()``) all see it.

_MISSING = object()


def _devices_before(ctx: Ctx, cuda: bool, mps: bool) -> None:
    """``probe("devices", cuda, mps)``: make the child look like a machine with (``True``) or without
    a CUDA GPU and an Apple-silicon (MPS) GPU.  Every public way of asking is patched, so that a
    stub that asks one way and then another sees the same machine: ``torch.cuda.is_available/
    device_count``, ``torch.backends.mps.is_available``, ``torch.mps.is_available/device_count``,
    ``torch.accelerator.is_available/current_accelerator/device_count``.  Both backends count as
    built (``is_built()``, ``torch.has_cuda/has_mps`` are True), as in a build that has both; only
    availability varies.  after() undoes the patches and returns ``{"cuda", "mps"}``."""
    import torch

    cuda, mps = bool(cuda), bool(mps)
    acc = "cuda" if cuda else ("mps" if mps else None)
    patches = [
        (torch.cuda, "is_available", lambda: cuda),
        (torch.cuda, "device_count", lambda: 1 if cuda else 0),
        (torch.backends.cuda, "is_built", lambda: True),
        (torch.backends.mps, "is_available", lambda: mps),
        (torch.backends.mps, "is_built", lambda: True),
        (torch, "has_cuda", True),            # deprecated "built with" flags, served by torch.__getattr__
        (torch, "has_mps", True),
    ]
    if cuda:
        patches.append((torch.cuda, "current_device", lambda: 0))
    mps_mod = getattr(torch, "mps", None)
    if mps_mod is not None:
        patches += [(mps_mod, "is_available", lambda: mps), (mps_mod, "device_count", lambda: 1 if mps else 0)]
    accel = getattr(torch, "accelerator", None)
    if accel is not None:
        patches += [
            (accel, "is_available", lambda: acc is not None),
            (accel, "current_accelerator", lambda check_available=False: torch.device(acc) if acc else None),
            (accel, "device_count", lambda: 1 if acc else 0),
        ]
        if acc:
            patches += [(accel, "current_device_index", lambda: 0), (accel, "current_device_idx", lambda: 0)]
    saved: list[tuple[Any, str, object]] = []
    for obj, name, fn in patches:
        saved.append((obj, name, obj.__dict__.get(name, _MISSING)))
        setattr(obj, name, fn)
    ctx.state["devices"] = saved


def _devices_after(ctx: Ctx, cuda: bool, mps: bool) -> dict[str, bool]:
    for obj, name, old in reversed(ctx.state.pop("devices", [])):
        if old is _MISSING:
            obj.__dict__.pop(name, None)
        else:
            setattr(obj, name, old)
    return {"cuda": bool(cuda), "mps": bool(mps)}


def _default_dtype_before(ctx: Ctx, name: str) -> None:
    """``probe("default_dtype", "float64")``: the student's call runs after someone called
    ``torch.set_default_dtype`` (stubs whose docstring asks for float32 regardless)."""
    import torch

    torch.set_default_dtype(getattr(torch, name))


def _default_dtype_after(ctx: Ctx, name: str) -> str:
    import torch

    return str(torch.get_default_dtype()).replace("torch.", "")


PROBES["devices"] = (_devices_before, _devices_after)
PROBES["default_dtype"] = (_default_dtype_before, _default_dtype_after)


def _deterministic_before(ctx: Ctx) -> None:
    """``probe("deterministic")``: run the call with ``torch.use_deterministic_algorithms(True)``, in
    which uninitialised memory (``torch.empty``) is filled with NaN (floats) or the largest integer,
    so code that relies on ``empty`` happening to hold zeros fails every time, not sometimes."""
    import torch

    torch.use_deterministic_algorithms(True)


PROBES["deterministic"] = (_deterministic_before, lambda ctx: True)


def cleanup(ctx: Ctx) -> None:
    """After every call, whatever happened in it: undo what a probe's before() changed (the
    device simulation stays patched when the student's call raised and after() never ran)."""
    if "devices" in ctx.state:
        _devices_after(ctx, False, False)
    _SPY_LOGS.clear()


def neutralise_torch() -> None:
    """Child side, once the student's call is over: torch's own ways to run code later — function
    and dispatch modes left on the stack, global module hooks — are removed before the probes
    and the serializer use torch."""
    import torch

    while torch._C._len_torch_function_stack() > 0:
        torch._C._pop_torch_function_stack()
    while torch._C._len_torch_dispatch_stack() > 0:
        torch._C._pop_torch_dispatch_stack(None)
    from torch.nn.modules import module as nn_module

    global _GLOBAL_HOOKS
    if _GLOBAL_HOOKS is None:      # torch's own names, found once (in the zygote, before any student code)
        _GLOBAL_HOOKS = tuple(name for name in dir(nn_module) if name.startswith("_global_"))
    for name in _GLOBAL_HOOKS:
        hooks = getattr(nn_module, name, None)
        if isinstance(hooks, dict):
            hooks.clear()


_GLOBAL_HOOKS: tuple[str, ...] | None = None


def probe(name: str, *params: Any) -> dict[str, Any]:
    if name not in PROBES:
        raise KeyError(f"unknown probe {name!r}")
    return {"name": name, "params": list(params)}



def _step_hook_before(ctx: Ctx, which: Which) -> None:
    """``probe("step_hook", i)``: like ``grad_hook``, but each entry also holds the leaf's value at the
    moment its gradient was accumulated (before any update), so the grader can recompute the gradient
    that step alone should have produced and tell accumulation apart from a wrong step size."""
    seen: list[dict[str, torch.Tensor | None]] = []
    t = ctx.pick(which)
    t.register_post_accumulate_grad_hook(lambda p: seen.append({"value": _clone(p), "grad": _clone(p.grad)}))
    ctx.state[f"step_hook:{which}"] = seen


PROBES["step_hook"] = (_step_hook_before, lambda ctx, which: ctx.state[f"step_hook:{which}"])
