"""What crosses the process boundary, and how it is made safe to read.

Results travel as one record per call in :mod:`codec`'s format (a JSON header and raw tensor
storages: nothing in it inflates or shares references, and its size is capped before it is
parsed); ``plain()`` (in the child) turns whatever student code returned into tensors, numbers,
strings and containers, and ``validate()`` (in the parent) checks every field's type before
anything looks at it.  A value that is not one of those comes back as an *opaque* marker that
only names its type.

The trusted side's work is bounded by what it agreed to, never by what the child wrote:
:func:`validate` visits at most a budget of objects per record, to a fixed depth, refuses a list,
tuple or dict reached twice and a tensor over a size bound (a few bytes can describe a view of
a billion elements).  It raises :class:`BadWire` within milliseconds: the student's error, with a
message that says which bound.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:                 # imported where used: the wire is read before torch is needed
    import torch

#: Marker key of the small tagged dicts the sandbox uses on the wire.
TAG = "__td__"

MAX_ITEMS = 100_000       # elements of one list/tuple/dict returned by student code
MAX_DEPTH = 6
MAX_STR = 2_000
MAX_NODES = 500_000       # objects validate() visits in one result record
MAX_TENSOR_ELEMENTS = 1 << 27   # elements of one tensor the trusted side agrees to hold or compare


def opaque(value: Any) -> dict[str, str]:
    t = type(value)
    out = {TAG: "opaque", "type": f"{getattr(t, '__module__', '?')}.{getattr(t, '__qualname__', '?')}"[:200]}
    try:
        import torch

        if type.__subclasscheck__(torch.Tensor, t):
            out["detail"] = "tensor_subclass"
    except Exception:
        pass
    return out


def plain(value: Any, depth: int = 0) -> Any:
    """Child side: student value → data that ``weights_only`` loads, without calling student code.

    Only exact types are trusted (``type(x) is float``), so a float subclass whose ``__eq__`` always
    agrees, a Tensor subclass with ``__torch_function__`` or any other look-alike becomes opaque.
    """
    import numpy as np
    import torch

    t = type(value)
    if value is None or t in (bool, int, float, complex):
        return value
    if t is str:
        return value[:MAX_STR]
    if t is torch.Tensor:
        return value
    if t is torch.nn.Parameter:
        # A Parameter is a leaf tensor that requires grad; pass it as the plain tensor it wraps.
        return {TAG: "parameter", "t": torch.Tensor._make_subclass(torch.Tensor, value.data, value.requires_grad)}
    if t in (torch.device, torch.dtype, torch.Size):
        return value
    if t is np.ndarray:
        if value.dtype.kind in "biufc" and value.dtype.isnative:
            try:
                return {TAG: "ndarray", "t": torch.from_numpy(value), "dtype": str(value.dtype),
                        "writeable": bool(value.flags.writeable)}
            except (TypeError, ValueError, RuntimeError):
                pass
        return {TAG: "ndarray", "t": None, "dtype": str(value.dtype)[:50]}
    if isinstance(value, np.generic) and t.__module__ == "numpy":
        return {TAG: "npscalar", "value": value.item() if value.dtype.kind in "biuf" else None,
                "dtype": str(value.dtype)[:50]}
    if depth >= MAX_DEPTH:
        return opaque(value)
    if t in (list, tuple):
        if len(value) > MAX_ITEMS:
            return {TAG: "toolong", "type": t.__name__, "len": len(value)}
        items = [plain(v, depth + 1) for v in value]
        return items if t is list else {TAG: "tuple", "items": items}
    if t is dict:
        if len(value) > MAX_ITEMS:
            return {TAG: "toolong", "type": "dict", "len": len(value)}
        keys = dict.keys(value)
        if all(type(k) is str for k in keys) and TAG not in keys:
            # Plain str keys travel as a JSON object (no pair per item to write, decode and check);
            # a dict holding the marker key itself is sent as pairs, so it cannot pose as a marker.
            return {k[:MAX_STR]: plain(v, depth + 1) for k, v in dict.items(value)}
        return {TAG: "dict", "items": [(plain(k, depth + 1), plain(v, depth + 1)) for k, v in dict.items(value)]}
    return opaque(value)


class Opaque:
    """Parent side: a value the student returned that is not data (a subclass, a custom object...)."""

    def __init__(self, type_name: str, detail: str = ""):
        self.type_name, self.detail = type_name, detail

    def __repr__(self) -> str:
        return f"<{self.type_name}{' ' + self.detail if self.detail else ''}>"


class NDArray:
    """Parent side: a numpy array the student returned, as a tensor plus its numpy dtype."""

    def __init__(self, tensor: torch.Tensor | None, dtype: str, writeable: bool = True):
        self.tensor, self.dtype, self.writeable = tensor, dtype, writeable

    def __repr__(self) -> str:
        return f"ndarray(dtype={self.dtype}, shape={tuple(self.tensor.shape) if self.tensor is not None else '?'})"


class NPScalar:
    """Parent side: a numpy scalar the student returned (its value when a bool or number, else None)."""

    def __init__(self, value: bool | int | float | None, dtype: str):
        self.value, self.dtype = value, dtype

    def __repr__(self) -> str:
        return f"numpy.{self.dtype}({self.value!r})"


class Parameter:
    """Parent side: a ``torch.nn.Parameter`` the student returned (plain tensor inside)."""

    def __init__(self, tensor: torch.Tensor):
        self.tensor = tensor


class BadWire(Exception):
    """The result file is not what the trusted harness writes."""


class Budget:
    """What one result record may cost :func:`validate`: objects visited, containers seen (by
    identity: a container reached twice is refused).  Share one across the fields of a record."""

    def __init__(self, max_nodes: int = MAX_NODES):
        self.left = max_nodes
        self.seen: set[int] = set()

    def visit(self, value: Any, container: bool) -> None:
        self.left -= 1
        if self.left < 0:
            raise BadWire(f"the result holds more than {MAX_NODES} objects")
        if container and len(value):           # an empty tuple is one shared object in CPython: harmless
            key = id(value)
            if key in self.seen:
                raise BadWire("the result reuses one object in several places (shared references)")
            self.seen.add(key)


def validate(value: Any, depth: int = 0, budget: Budget | None = None) -> Any:
    """Parent side: check every field's exact type and turn tagged dicts into marker objects.

    Bounded: at most :data:`MAX_NODES` objects (``budget``), :data:`MAX_DEPTH` + 2 levels, no
    container visited twice; any excess raises :class:`BadWire` at once, without expanding."""
    import torch

    if budget is None:
        budget = Budget()
    t = type(value)
    budget.visit(value, t in (list, tuple, dict))
    if t is torch.Tensor:
        return _bounded(value)
    if value is None or t in (bool, int, float, complex, torch.device, torch.dtype, torch.Size):
        return value
    if t is str:
        return value[:MAX_STR]
    if depth > MAX_DEPTH + 2:
        raise BadWire("nested too deeply")
    if t is list:
        if len(value) > MAX_ITEMS:
            raise BadWire("list too long")
        return [validate(v, depth + 1, budget) for v in value]
    if t is tuple:
        if len(value) > MAX_ITEMS:
            raise BadWire("tuple too long")
        return tuple(validate(v, depth + 1, budget) for v in value)
    if t is dict:
        tag = value.get(TAG)
        if type(tag) is not str:
            if len(value) > MAX_ITEMS or any(type(k) is not str for k in value):
                raise BadWire("dict with non-string keys")
            return {k[:MAX_STR]: validate(v, depth + 1, budget) for k, v in value.items()}
        return _tagged(tag, value, depth, budget)
    raise BadWire(f"unexpected type {t.__name__[:40]}")


def _tagged(tag: str, value: dict[str, Any], depth: int, budget: Budget) -> Any:
    """One of :func:`plain`'s tagged dicts → its marker object (or the tuple or dict it stands for)."""
    if tag == "opaque":
        subclass = value.get("detail") == "tensor_subclass"
        return Opaque(_s(value.get("type")), "a subclass of torch.Tensor" if subclass else "")
    if tag == "toolong":
        n = value.get("len", 0)
        return Opaque(_s(value.get("type")), f"with {n if type(n) is int and 0 <= n < 1 << 62 else '?'} items")
    if tag == "tuple":
        return tuple(validate(_list(value.get("items")), depth + 1, budget))
    if tag == "dict":
        return _tagged_dict(_list(value.get("items")), depth, budget)
    if tag == "ndarray":
        return _ndarray(value)
    if tag == "npscalar":
        v = value.get("value")
        if v is not None and type(v) not in (bool, int, float):
            raise BadWire("bad numpy scalar")
        return NPScalar(v, _s(value.get("dtype")))
    if tag == "parameter":
        return _parameter(value.get("t"))
    raise BadWire(f"unknown tag {tag[:40]!r}")


def _tagged_dict(items: list[Any], depth: int, budget: Budget) -> dict[Any, Any]:
    """A dict whose keys are not all strings, sent as (key, value) pairs; a key that is not a
    str, int, float, bool or None becomes its repr."""
    out = {}
    budget.visit(items, True)
    if len(items) > MAX_ITEMS:
        raise BadWire("dict too long")
    for pair in items:
        if type(pair) is not tuple or len(pair) != 2:
            raise BadWire("bad dict item")
        budget.visit(pair, True)
        k = validate(pair[0], depth + 1, budget)
        if type(k) not in (str, int, float, bool) and k is not None:
            k = repr(k)
        out[k] = validate(pair[1], depth + 1, budget)
    return out


def _ndarray(value: dict[str, Any]) -> NDArray:
    import torch

    tensor = value.get("t")
    if tensor is not None and type(tensor) is not torch.Tensor:
        raise BadWire("bad ndarray payload")
    return NDArray(tensor if tensor is None else _bounded(tensor), _s(value.get("dtype")),
                   value.get("writeable", True) is not False)


def _parameter(tensor: Any) -> Parameter:
    import torch

    if type(tensor) is not torch.Tensor:
        raise BadWire("bad parameter payload")
    return Parameter(_bounded(tensor))


def _bounded(received: torch.Tensor) -> torch.Tensor:
    """The tensor, if the trusted side agrees to hold it (a few bytes can describe a huge view)."""
    if received.numel() > MAX_TENSOR_ELEMENTS:
        raise BadWire(f"a tensor with more than {MAX_TENSOR_ELEMENTS} elements")
    return received


def _s(v: Any) -> str:
    return v[:MAX_STR] if type(v) is str else "?"


def _list(v: Any) -> list[Any]:
    if type(v) is not list:
        raise BadWire("expected a list")
    return v
