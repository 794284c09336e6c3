"""The check ladder: type → shape → dtype → device → requires_grad → memory sharing → values.

Each rung raises :class:`WrongAnswer` with what was expected, what came back and a hint; the
first rung that fails is the one reported, so a student fixes one thing at a time.  Values are
compared with ``torch.testing.assert_close``'s rule (dtype-aware tolerances) on plain tensors
only, in the trusted process, and the message names the worst element.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch

from ..messages import N_, Msg, Part, as_msg, code, msg
from ..sandbox import wire
from .feedback import wrong

# immutable C types: cannot be monkeypatched
_storage_ptr = torch._C.StorageBase.data_ptr  # type: ignore[attr-defined]  # torch's stubs lack StorageBase.data_ptr
_untyped_storage = torch._C.TensorBase.untyped_storage


def describe(value: Any) -> Msg:
    """A short, safe description of anything a student returned (never their repr)."""
    described = _describe(value)
    return described if isinstance(described, Msg) else code(described)


def _describe(value: Any) -> Msg | str:
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
            return msg("an object of type {type} (a subclass of torch.Tensor)", type=value.type_name)
        return msg("an object of type {type}", type=value.type_name)
    if isinstance(value, wire.NPScalar):
        return f"numpy.{value.dtype}({value.value!r})"
    if value is None:
        return "None"
    if t in (bool, int, float):
        return f"{t.__name__} {value!r}"
    if t is str:
        return f"str {value[:40]!r}"
    if t in (list, tuple):
        return msg("{kind} of {n} [{items}{more}]", kind=t.__name__, n=len(value),
                   items=tuple(describe(v) for v in value[:3]), more=", …" if len(value) > 3 else "")
    if t is dict:
        return msg("a dict with {n} keys", n=len(value))
    return t.__name__


def _dt(dtype: torch.dtype) -> str:
    return str(dtype).replace("torch.", "")


def shares_memory(a: Any, b: Any) -> bool:
    """Same storage and both non-empty (views, slices, transposes and detach all share)."""
    if type(a) is not torch.Tensor or type(b) is not torch.Tensor:
        return False
    if a.numel() == 0 or b.numel() == 0 or a.device != b.device:
        return False
    return bool(_storage_ptr(_untyped_storage(a)) == _storage_ptr(_untyped_storage(b)))


def expect_type(got: Any, kind: type, *, what: Part, hint: Part = None) -> None:
    if type(got) is not kind:
        raise wrong(msg("{what} should be a {kind}.", what=_what(what), kind=_kind_name(kind)),
                    code(_kind_name(kind)), describe(got), hint)


def _what(what: Part) -> Msg:
    """What a check talks about ("the input a"): a plain string is a message id, like every part."""
    return as_msg(what) or Msg("the result")


def _kind_name(kind: type) -> str:
    return {torch.Tensor: "torch.Tensor", float: "Python float", int: "Python int", list: "list",
            torch.device: "torch.device"}.get(kind, kind.__name__)


def expect_tensor(
    got: Any,
    expected: torch.Tensor,
    *,
    what: Part = None,
    dtype: torch.dtype | bool | None = True,
    device: torch.device | str | bool | None = True,
    requires_grad: bool | None = None,
    shares_with: torch.Tensor | None = None,
    copy_of: torch.Tensor | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    hint: Part = None,
    share_hint: Part = None,
    dtype_hint: Part = None,
    device_hint: Part = None,
) -> torch.Tensor:
    """Run the whole ladder on one returned tensor; returns it for further checks."""
    what = _what(what)
    if type(got) is not torch.Tensor:
        extra: Part = None
        if isinstance(got, wire.NDArray):
            extra = N_("convert it with torch.from_numpy(...) or return a tensor")
        elif isinstance(got, (list, tuple)):
            extra = N_("build a tensor, e.g. with torch.tensor(...) or torch.stack(...)")
        elif type(got) in (int, float):
            extra = N_("return the tensor itself, not a Python number (.item() gives a number)")
        elif isinstance(got, wire.Opaque) and got.detail == "a subclass of torch.Tensor":
            extra = N_("return a plain torch.Tensor, not a subclass of it")
        raise wrong(msg("{what} should be a torch.Tensor.", what=what), code("torch.Tensor"), describe(got),
                    extra or hint)
    if tuple(got.shape) != tuple(expected.shape):
        raise wrong(msg("{what} has the wrong shape.", what=what), code(str(tuple(expected.shape))),
                    code(str(tuple(got.shape))), hint)
    want_dtype = expected.dtype if dtype is True else dtype
    if isinstance(want_dtype, torch.dtype) and got.dtype != want_dtype:       # not None, not False
        raise wrong(msg("{what} has the wrong dtype.", what=what), code(_dt(want_dtype)), code(_dt(got.dtype)),
                    dtype_hint or _dtype_hint(want_dtype, got.dtype) or hint)
    want_device = expected.device if device is True else device
    if want_device not in (None, False):
        want_device = torch.device(want_device)
        if got.device.type != want_device.type or (want_device.index not in (None, got.device.index)):
            raise wrong(msg("{what} is on the wrong device.", what=what), code(str(want_device)), code(str(got.device)),
                        device_hint or "create or move the result onto the device the input is on (x.device)")
    if requires_grad is not None and bool(got.requires_grad) != requires_grad:
        if requires_grad:
            raise wrong(msg("{what} should require grad (be part of the autograd graph).", what=what),
                        code("requires_grad=True"), code("requires_grad=False"),
                        "an operation broke the graph: .item(), .detach(), .numpy() or torch.tensor(...) on a result")
        raise wrong(msg("{what} should not require grad.", what=what), code("requires_grad=False"),
                    code("requires_grad=True"), hint)
    if shares_with is not None and not shares_memory(got, shares_with):
        raise wrong(msg("{what} should share memory with the input (a view), but it is a copy.", what=what),
                    "the same storage as the input", "a new copy of the data",
                    share_hint or "use an operation that returns a view (view, squeeze, detach, from_numpy) instead "
                                    "of one that copies (clone, reshape of a non-contiguous tensor, torch.tensor)")
    if copy_of is not None and shares_memory(got, copy_of):
        raise wrong(msg("{what} shares memory with the input, but a new tensor is due.", what=what),
                    "a new tensor", "a view of the input",
                    "writing to the result would change the caller's data; make a copy (e.g. .clone())")
    expect_close(got, expected, what=what, rtol=rtol, atol=atol, hint=hint)
    return got


def _dtype_hint(want: torch.dtype, got: torch.dtype) -> str | None:
    if want == torch.float32 and got == torch.float64:
        return N_("torch's default floating type is float32; numpy's float64 carries over from np arrays")
    if want == torch.int64 and got.is_floating_point:
        return N_("integer inputs should stay integers (int64)")
    if want.is_floating_point and not got.is_floating_point:
        return N_("the result should be a floating-point tensor")
    return None


#: torch.testing.assert_close's default (rtol, atol) per dtype; any other dtype compares exactly
_TOLERANCES = {torch.float16: (1e-3, 1e-5), torch.bfloat16: (1.6e-2, 1e-5), torch.float32: (1.3e-6, 1e-5),
               torch.float64: (1e-7, 1e-7), torch.complex32: (1e-3, 1e-5), torch.complex64: (1.3e-6, 1e-5),
               torch.complex128: (1e-7, 1e-7)}


def close_elements(got: torch.Tensor, expected: torch.Tensor, *, rtol: float | None = None,
                   atol: float | None = None) -> torch.Tensor:
    """Which elements of ``got`` equal ``expected`` within tolerances: ``torch.testing.assert_close``'s
    rule (|got - expected| <= atol + rtol * |expected|, NaN equal to NaN, its defaults for the
    less precise of the two dtypes, exact for integers and bools), elementwise.  Plain CPU tensors of
    one shape.  (``assert_close`` itself imports torch.distributed and sympy on its first call, half
    a second of every student's check.)"""
    if rtol is None and atol is None:
        pairs = [_TOLERANCES.get(t, (0.0, 0.0)) for t in (got.dtype, expected.dtype)]
        rtol, atol = max(p[0] for p in pairs), max(p[1] for p in pairs)
    rtol, atol = rtol or 0.0, atol or 0.0
    exact = not (got.is_floating_point() or got.is_complex() or expected.is_floating_point()
                 or expected.is_complex())
    if exact and rtol == 0 and atol == 0:
        return got.to(torch.int64) == expected.to(torch.int64) if got.dtype != expected.dtype else got == expected
    if exact:
        got, expected = got.double(), expected.double()
    elif got.dtype != expected.dtype:
        common = torch.promote_types(got.dtype, expected.dtype)
        got, expected = got.to(common), expected.to(common)
    return torch.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)


def expect_close(got: torch.Tensor, expected: torch.Tensor, *, what: Part, rtol: float | None = None,
                 atol: float | None = None, hint: Part = None) -> None:
    """Values equal within dtype-aware tolerances; the message names the worst element."""
    what = _what(what)
    g = got.detach().to("cpu") if got.device.type != "meta" else None
    e = expected.detach().to("cpu") if expected.device.type != "meta" else None
    if g is None or e is None:
        return  # meta tensors carry no values: shape, dtype and device were the whole check
    if g.dtype != e.dtype:
        g = g.to(e.dtype) if (e.is_floating_point() or not g.is_floating_point()) else g
    same_shape = g.shape == e.shape
    if same_shape and g.dtype == e.dtype and torch.equal(g, e):
        return      # equal element for element (so no NaN): close under any tolerance, in 1 µs not 40
    close = close_elements(g, e, rtol=rtol, atol=atol) if same_shape else None
    if close is not None and bool(close.all()):
        return
    if g.numel() == 1:
        raise wrong(msg("{what} has the wrong value.", what=what), code(_num(e.reshape(()))),
                    code(_num(g.reshape(()))), hint)
    diff = (g.double() - e.double()).abs() if (e.is_floating_point() or g.is_floating_point()) else \
        (g.to(torch.int64) - e.to(torch.int64)).abs().double()
    diff = torch.where(torch.isnan(diff), torch.full_like(diff, math.inf), diff)
    if close is not None:      # a NaN where NaN was expected is not a difference
        diff = torch.where(close, torch.zeros_like(diff), diff)
    flat = int(torch.argmax(diff.reshape(-1)))
    idx = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), g.shape)) if g.dim() else ()
    bad = int((~close).sum()) if close is not None else g.numel()
    raise wrong(
        msg("{what} has wrong values ({bad} of {n} elements differ; the worst is at index {idx}).",
            what=what, bad=bad, n=g.numel(), idx=str(list(idx))),
        msg("{value} at index {index}", value=_num(e[idx]), index=str(list(idx))),
        msg("{value} at index {index}", value=_num(g[idx]), index=str(list(idx))),
        hint)


def _num(t: torch.Tensor) -> str:
    v = t.item()
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def expect_float(got: Any, expected: float, *, what: Part, rtol: float = 1e-5, atol: float = 1e-6,
                 hint: Part = None) -> float:
    what = _what(what)
    if type(got) is not float:
        extra = "a 0-dim tensor is not a float: call .item() on it" if type(got) is torch.Tensor else hint
        raise wrong(msg("{what} should be a Python float.", what=what), code("float"), describe(got), extra)
    if not (math.isclose(got, expected, rel_tol=rtol, abs_tol=atol) or (math.isnan(got) and math.isnan(expected))):
        raise wrong(msg("{what} has the wrong value.", what=what), code(f"{expected:.6g}"), code(f"{got:.6g}"), hint)
    return got


def expect_floats(got: Any, expected: Sequence[float], *, what: Part, rtol: float = 1e-5, atol: float = 1e-6,
                  hint: Part = None) -> list[float]:
    """A list of Python floats, element by element, naming the first that differs."""
    what = _what(what)
    if type(got) is not list:
        raise wrong(msg("{what} should be a list of floats.", what=what), msg("list of {n} floats", n=len(expected)),
                    describe(got), hint)
    if len(got) != len(expected):
        raise wrong(msg("{what} has the wrong length.", what=what), code(len(expected)), code(len(got)), hint)
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        if type(g) is not float:
            raise wrong(msg("{what}[{i}] should be a Python float.", what=what, i=i), code("float"), describe(g),
                        "a 0-dim tensor is not a float: call .item() on it" if type(g) is torch.Tensor else hint)
        if not math.isclose(g, e, rel_tol=rtol, abs_tol=atol):
            raise wrong(msg("{what} differs first at position {i}.", what=what, i=i),
                        code(f"{e:.6g}"), code(f"{g:.6g}"), hint)
    return got


def expect_unchanged(after: Any, before: torch.Tensor, *, what: Part) -> None:
    """An input the stub must not modify."""
    what = _what(what)
    if type(after) is torch.Tensor and (after.shape != before.shape or after.dtype != before.dtype or
                                         not torch.equal(after.detach().cpu(), before.detach().cpu())):
        raise wrong(msg("{what} was modified, but inputs must be left as they were.", what=what),
                    "the input unchanged", "the input changed in place",
                    "in-place operations (x += ..., x.add_(...), x[...] = ...) change the caller's tensor")


def expect(condition: bool, summary: Part, expected: Part = None, got: Part = None, hint: Part = None) -> None:
    """A custom rung: raise WrongAnswer unless ``condition`` holds."""
    if not condition:
        raise wrong(summary, expected, got, hint)
