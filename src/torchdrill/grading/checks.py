"""The check ladder: type → shape → dtype → device → requires_grad → memory sharing → values.

Each rung raises :class:`WrongAnswer` with what was expected, what came back and a hint; the
first rung that fails is the one reported, so a student fixes one thing at a time.  Values are
compared with ``torch.testing.assert_close`` semantics (dtype-aware tolerances) on plain tensors
only, in the trusted process, and the message names the worst element.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import torch

from ..sandbox import wire
from .feedback import _, wrong

_storage_ptr = torch._C.StorageBase.data_ptr          # immutable C types: cannot be monkeypatched
_untyped_storage = torch._C.TensorBase.untyped_storage


def describe(value: Any) -> str:
    """A short, safe description of anything a student returned (never their repr)."""
    t = type(value)
    if t is torch.Tensor:
        return f"torch.Tensor(shape={tuple(value.shape)}, dtype={_dt(value.dtype)}, device={value.device})"
    if isinstance(value, wire.NDArray):
        shape = tuple(value.tensor.shape) if value.tensor is not None else "?"
        return f"numpy.ndarray(shape={shape}, dtype={value.dtype})"
    if isinstance(value, wire.Parameter):
        return f"torch.nn.Parameter(shape={tuple(value.tensor.shape)})"
    if isinstance(value, wire.Opaque):
        if value.detail == "a subclass of torch.Tensor":
            return _("an object of type {0} (a subclass of torch.Tensor)").format(value.type_name)
        return _("an object of type {0}").format(value.type_name)
    if isinstance(value, wire.NPScalar):
        return f"numpy.{value.dtype}({value.value!r})"
    if value is None:
        return "None"
    if t in (bool, int, float):
        return f"{t.__name__} {value!r}"
    if t is str:
        return f"str {value[:40]!r}"
    if t in (list, tuple):
        inner = ", ".join(describe(v) for v in value[:3]) + (", …" if len(value) > 3 else "")
        return f"{t.__name__} of {len(value)} [{inner}]"
    if t is dict:
        return _("a dict with {0} keys").format(len(value))
    return t.__name__


def _dt(dtype: torch.dtype) -> str:
    return str(dtype).replace("torch.", "")


def shares_memory(a: Any, b: Any) -> bool:
    """Same storage and both non-empty (views, slices, transposes and detach all share)."""
    if type(a) is not torch.Tensor or type(b) is not torch.Tensor:
        return False
    if a.numel() == 0 or b.numel() == 0 or a.device != b.device:
        return False
    return _storage_ptr(_untyped_storage(a)) == _storage_ptr(_untyped_storage(b))


def expect_type(got: Any, kind: type, *, what: str, hint: str = "") -> None:
    if type(got) is not kind:
        raise wrong(_("{what} should be a {kind}.").format(what=what, kind=_kind_name(kind)),
                    _kind_name(kind), describe(got), hint)


def _kind_name(kind: type) -> str:
    return {torch.Tensor: "torch.Tensor", float: "Python float", int: "Python int", list: "list",
            torch.device: "torch.device"}.get(kind, kind.__name__)


def expect_tensor(
    got: Any,
    expected: torch.Tensor,
    *,
    what: str | None = None,
    dtype: torch.dtype | None | bool = True,
    device: torch.device | str | None | bool = True,
    requires_grad: bool | None = None,
    shares_with: torch.Tensor | None = None,
    copy_of: torch.Tensor | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    hint: str = "",
    share_hint: str = "",
    dtype_hint: str = "",
    device_hint: str = "",
) -> torch.Tensor:
    """Run the whole ladder on one returned tensor; returns it for further checks."""
    what = _(what) if what else _("the result")
    if type(got) is not torch.Tensor:
        extra = ""
        if isinstance(got, wire.NDArray):
            extra = _("convert it with torch.from_numpy(...) or return a tensor")
        elif isinstance(got, (list, tuple)):
            extra = _("build a tensor, e.g. with torch.tensor(...) or torch.stack(...)")
        elif type(got) in (int, float):
            extra = _("return the tensor itself, not a Python number (.item() gives a number)")
        elif isinstance(got, wire.Opaque) and got.detail == "a subclass of torch.Tensor":
            extra = _("return a plain torch.Tensor, not a subclass of it")
        raise wrong(_("{what} should be a torch.Tensor.").format(what=what), "torch.Tensor", describe(got),
                    extra or hint)
    if tuple(got.shape) != tuple(expected.shape):
        raise wrong(_("{what} has the wrong shape.").format(what=what), str(tuple(expected.shape)),
                    str(tuple(got.shape)), hint)
    want_dtype = expected.dtype if dtype is True else dtype
    if want_dtype not in (None, False) and got.dtype != want_dtype:
        raise wrong(_("{what} has the wrong dtype.").format(what=what), _dt(want_dtype), _dt(got.dtype),
                    dtype_hint or _dtype_hint(want_dtype, got.dtype) or hint)
    want_device = expected.device if device is True else device
    if want_device not in (None, False):
        want_device = torch.device(want_device)
        if got.device.type != want_device.type or (want_device.index is not None and got.device.index != want_device.index):
            raise wrong(_("{what} is on the wrong device.").format(what=what), str(want_device), str(got.device),
                        device_hint or _("create or move the result onto the device the input is on (x.device)"))
    if requires_grad is not None and bool(got.requires_grad) != requires_grad:
        if requires_grad:
            raise wrong(_("{what} should require grad (be part of the autograd graph).").format(what=what),
                        "requires_grad=True", "requires_grad=False",
                        _("an operation broke the graph: .item(), .detach(), .numpy() or torch.tensor(...) on a result"))
        raise wrong(_("{what} should not require grad.").format(what=what), "requires_grad=False",
                    "requires_grad=True", hint)
    if shares_with is not None and not shares_memory(got, shares_with):
        raise wrong(_("{what} should share memory with the input (a view), but it is a copy.").format(what=what),
                    _("the same storage as the input"), _("a new copy of the data"),
                    share_hint or _("use an operation that returns a view (view, squeeze, detach, from_numpy) "
                                    "instead of one that copies (clone, reshape of a non-contiguous tensor, torch.tensor)"))
    if copy_of is not None and shares_memory(got, copy_of):
        raise wrong(_("{what} shares memory with the input, but a new tensor is due.").format(what=what),
                    _("a new tensor"), _("a view of the input"),
                    _("writing to the result would change the caller's data; make a copy (e.g. .clone())"))
    expect_close(got, expected, what=what, rtol=rtol, atol=atol, hint=hint)
    return got


def _dtype_hint(want: torch.dtype, got: torch.dtype) -> str:
    if want == torch.float32 and got == torch.float64:
        return _("torch's default floating type is float32; numpy's float64 carries over from np arrays")
    if want == torch.int64 and got.is_floating_point:
        return _("integer inputs should stay integers (int64)")
    if want.is_floating_point and not got.is_floating_point:
        return _("the result should be a floating-point tensor")
    return ""


def expect_close(got: torch.Tensor, expected: torch.Tensor, *, what: str, rtol: float | None = None,
                 atol: float | None = None, hint: str = "") -> None:
    """Values equal within dtype-aware tolerances; the message names the worst element."""
    g = got.detach().to("cpu") if got.device.type != "meta" else None
    e = expected.detach().to("cpu") if expected.device.type != "meta" else None
    if g is None or e is None:
        return  # meta tensors carry no values: shape, dtype and device were the whole check
    if g.dtype != e.dtype:
        g = g.to(e.dtype) if (e.is_floating_point() or not g.is_floating_point()) else g
    try:
        torch.testing.assert_close(g, e, rtol=rtol, atol=atol, equal_nan=True, check_dtype=False,
                                   check_device=False, check_stride=False)
        return
    except AssertionError:
        pass
    if g.numel() == 1:
        raise wrong(_("{what} has the wrong value.").format(what=what), _num(e.reshape(())), _num(g.reshape(())), hint)
    diff = (g.double() - e.double()).abs() if (e.is_floating_point() or g.is_floating_point()) else \
        (g.to(torch.int64) - e.to(torch.int64)).abs().double()
    diff = torch.where(torch.isnan(diff), torch.full_like(diff, math.inf), diff)
    flat = int(torch.argmax(diff.reshape(-1)))
    idx = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), g.shape)) if g.dim() else ()
    if e.is_floating_point() or e.is_complex():
        default_rtol, default_atol = (1e-7, 1e-7) if e.dtype == torch.float64 else (1.3e-6, 1e-5)
        r = rtol if rtol is not None else default_rtol
        a = atol if atol is not None else default_atol
        bad = int((~torch.isclose(g.double(), e.double(), rtol=r, atol=a, equal_nan=True)).sum())
    else:  # integers and bools compare exactly, without a round trip through float
        bad = int((g.to(e.dtype) != e).sum())
    raise wrong(
        _("{what} has wrong values ({bad} of {n} elements differ; the worst is at index {idx}).").format(
            what=what, bad=bad, n=g.numel(), idx=list(idx)),
        _("{0} at index {1}").format(_num(e[idx]), list(idx)), _("{0} at index {1}").format(_num(g[idx]), list(idx)),
        hint)


def _num(t: torch.Tensor) -> str:
    v = t.item()
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def expect_float(got: Any, expected: float, *, what: str, rtol: float = 1e-5, atol: float = 1e-6,
                 hint: str = "") -> float:
    what = _(what)
    if type(got) is not float:
        extra = _("a 0-dim tensor is not a float: call .item() on it") if type(got) is torch.Tensor else hint
        raise wrong(_("{what} should be a Python float.").format(what=what), "float", describe(got), extra)
    if not (math.isclose(got, expected, rel_tol=rtol, abs_tol=atol) or (math.isnan(got) and math.isnan(expected))):
        raise wrong(_("{what} has the wrong value.").format(what=what), f"{expected:.6g}", f"{got:.6g}", hint)
    return got


def expect_floats(got: Any, expected: Sequence[float], *, what: str, rtol: float = 1e-5, atol: float = 1e-6,
                  hint: str = "") -> list[float]:
    """A list of Python floats, element by element, naming the first that differs."""
    what = _(what)
    if type(got) is not list:
        raise wrong(_("{what} should be a list of floats.").format(what=what), _("list of {0} floats").format(len(expected)),
                    describe(got), hint)
    if len(got) != len(expected):
        raise wrong(_("{what} has the wrong length.").format(what=what), str(len(expected)), str(len(got)), hint)
    for i, (g, e) in enumerate(zip(got, expected)):
        if type(g) is not float:
            raise wrong(_("{what}[{i}] should be a Python float.").format(what=what, i=i), "float", describe(g),
                        _("a 0-dim tensor is not a float: call .item() on it") if type(g) is torch.Tensor else hint)
        if not math.isclose(g, e, rel_tol=rtol, abs_tol=atol):
            raise wrong(_("{what} differs first at position {i}.").format(what=what, i=i),
                        f"{e:.6g}", f"{g:.6g}", hint)
    return got


def expect_unchanged(after: Any, before: torch.Tensor, *, what: str) -> None:
    """An input the stub must not modify."""
    what = _(what)
    if type(after) is torch.Tensor and (after.shape != before.shape or after.dtype != before.dtype or
                                         not torch.equal(after.detach().cpu(), before.detach().cpu())):
        raise wrong(_("{what} was modified, but inputs must be left as they were.").format(what=what),
                    _("the input unchanged"), _("the input changed in place"),
                    _("in-place operations (x += ..., x.add_(...), x[...] = ...) change the caller's tensor"))


def expect(condition: bool, summary: str, expected: str = "", got: str = "", hint: str = "") -> None:
    """A custom rung: raise WrongAnswer unless ``condition`` holds."""
    if not condition:
        raise wrong(summary, expected, got, hint)
