"""The byte format of everything that crosses the process boundary: a JSON header, then raw bytes.

``encode(value)`` takes the *plain* data of :mod:`wire` (None, bool, int, float, complex, str,
lists, str-keyed dicts, tagged dicts, exact ``torch.Tensor``, ``torch.device``/``dtype``/``Size``)
and returns one ``bytes``; ``decode(data)`` gives it back.  It replaces ``torch.save`` /
``torch.load(weights_only=True)`` on the wire: that pair costs about 2 ms a call in the trusted
process (a pure-Python unpickler over a zip archive), and a zip can inflate and a pickle can share
references, so its work is not bounded by its size.  Here:

* decoding is ``json.loads`` of the header (a tree: no shared references, no code, nothing to
  inflate) plus one ``torch.frombuffer`` per storage; the work is linear in the bytes read, and
  the bytes are capped before anything is parsed;
* tensors keep what graders look at: dtype, shape, strides, storage offset, device,
  ``requires_grad``, and *which tensors share a storage* (storages are written once and
  referenced by index, keyed like ``torch.save`` keys them: by the storage object, so two views
  of one storage still share after the trip and two storages never merge);
* a tensor that is not a plain strided one (sparse, quantized, nested) travels as an opaque
  marker, like any other object that is not data.

Layout: ``b"TD1"`` · 8-byte header length · header (UTF-8 JSON) · storage bytes, one after the
other, in the order ``header["storages"]`` lists them.
"""
from __future__ import annotations

import ctypes
import json
import struct
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:                 # imported where used: ``import torchdrill.sandbox.codec`` stays cheap
    import torch

MAGIC = b"TD1"
_LEN = struct.Struct("<Q")
TAG = "__td__"                  # the same marker key the rest of the wire uses (wire.TAG)
_T = "__td_codec__"             # this module's own markers: never produced by wire.plain

_DTYPES = ("float32", "float64", "float16", "bfloat16", "complex64", "complex128", "int64", "int32", "int16",
           "int8", "uint8", "bool", "uint16", "uint32", "uint64")


#: A storage read back: its bytes (on the device asked for), or ("meta", size) for a meta tensor's.
_Stored: TypeAlias = "torch.UntypedStorage | tuple[str, int]"


class CodecError(ValueError):
    """The bytes are not what :func:`encode` writes, or over the caller's limits."""


# --------------------------------------------------------------------------- encoding

def encode(value: Any) -> bytes:
    """Plain data → bytes.  Raises ``TypeError`` for anything that is not plain data."""
    storages: list[torch.UntypedStorage] = []
    index: dict[int, int] = {}
    header = {"v": _enc(value, storages, index)}
    blobs = []
    table: list[dict[str, int | str]] = []
    for st in storages:
        dev = st.device
        if dev.type == "meta":
            table.append({"n": int(st.nbytes()), "dev": "meta"})
            continue
        cpu = st if dev.type == "cpu" else st.cpu()  # type: ignore[no-untyped-call]  # unannotated in torch
        raw = _storage_bytes(cpu)
        table.append({"n": len(raw), "dev": str(dev)})
        blobs.append(raw)
    header["storages"] = table
    head = json.dumps(header, separators=(",", ":"), allow_nan=True).encode("utf-8")
    return b"".join([MAGIC, _LEN.pack(len(head)), head, *blobs])


def _storage_bytes(st: torch.UntypedStorage) -> bytes:
    """A CPU storage's bytes, copied straight from its memory (a fifth of the cost of going
    through a uint8 tensor and numpy)."""
    n = st.nbytes()
    return ctypes.string_at(st.data_ptr(), n) if n else b""


def _enc(v: Any, storages: list[torch.UntypedStorage], index: dict[int, int]) -> Any:
    import torch

    t = type(v)
    if v is None or t in (bool, int, str):
        return v
    if t is float:
        return v if v == v and v not in (float("inf"), float("-inf")) else {_T: "float", "r": repr(v)}
    if t is complex:
        return {_T: "complex", "re": _enc(v.real, storages, index), "im": _enc(v.imag, storages, index)}
    if t is list:
        return [_enc(x, storages, index) for x in v]
    if t is tuple:
        return {_T: "tuple", "items": [_enc(x, storages, index) for x in v]}
    if t is dict:
        if all(type(k) is str for k in v) and _T not in v:
            return {k: _enc(x, storages, index) for k, x in v.items()}
        return {_T: "dict", "items": [[_enc(k, storages, index), _enc(x, storages, index)] for k, x in v.items()]}
    if t is torch.Tensor:
        return _enc_tensor(v, storages, index)
    if t is torch.device:
        return {_T: "device", "s": str(v)}
    if t is torch.dtype:
        return {_T: "dtype", "s": str(v).replace("torch.", "")}
    if t is torch.Size:
        return {_T: "size", "s": [int(s) for s in v]}
    raise TypeError(f"not plain data: {t.__module__}.{t.__qualname__}")


def _enc_tensor(v: torch.Tensor, storages: list[torch.UntypedStorage], index: dict[int, int]) -> dict[str, Any]:
    import torch

    dtype = str(v.dtype).replace("torch.", "")
    if v.layout is not torch.strided or v.is_quantized or v.is_nested or dtype not in _DTYPES:
        return {TAG: "opaque", "type": f"torch.Tensor ({v.layout}, {dtype})"[:80]}
    if v.is_conj() or v.is_neg():
        v = v.resolve_conj().resolve_neg()
    st = v.untyped_storage()
    key = st._cdata
    if key not in index:
        index[key] = len(storages)
        storages.append(st)
    return {_T: "tensor", "s": index[key], "dtype": dtype, "shape": list(v.shape), "stride": list(v.stride()),
            "offset": int(v.storage_offset()), "rg": bool(v.requires_grad)}


# --------------------------------------------------------------------------- decoding

def decode(data: bytes, *, max_bytes: int = 64 << 20, max_header: int = 8 << 20, map_device: str | None = None) -> Any:
    """Bytes from :func:`encode` → the value.  Raises :class:`CodecError` for anything else.

    ``map_device``: put every tensor there instead of the device it was written from."""
    if len(data) > max_bytes:
        raise CodecError(f"{len(data)} bytes, more than the {max_bytes} allowed")
    if data[:3] != MAGIC or len(data) < 3 + _LEN.size:
        raise CodecError("not a torchdrill record")
    (n,) = _LEN.unpack_from(data, 3)
    start = 3 + _LEN.size
    if n > max_header or start + n > len(data):
        raise CodecError("bad header length")
    try:
        header = json.loads(data[start:start + n].decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise CodecError(f"bad header: {type(exc).__name__}") from None
    if type(header) is not dict or type(header.get("storages")) is not list:
        raise CodecError("bad header")
    storages = _storages(header["storages"], data, start + n, map_device)
    try:
        return _dec(header.get("v"), storages, 0)
    except RecursionError:
        raise CodecError("nested too deeply") from None


def _storages(table: list[Any], data: bytes, pos: int, map_device: str | None) -> list[_Stored]:
    import torch

    out: list[_Stored] = []
    for entry in table:
        if type(entry) is not dict or type(entry.get("n")) is not int or type(entry.get("dev")) is not str:
            raise CodecError("bad storage entry")
        size, dev = entry["n"], entry["dev"]
        if size < 0:
            raise CodecError("bad storage size")
        if dev == "meta":
            out.append(("meta", size))
            continue
        if pos + size > len(data):
            raise CodecError("storage runs past the end")
        buf = bytearray(data[pos:pos + size])
        pos += size
        try:
            st = torch.frombuffer(buf, dtype=torch.uint8).untyped_storage() if size else _empty_storage()
            target = map_device or dev
            if target != "cpu":
                st = st.to(device=torch.device(target))   # every torch this engine supports (>= 2.10) has it
        except (RuntimeError, ValueError, TypeError) as exc:
            raise CodecError(f"bad storage: {type(exc).__name__}") from None
        out.append(st)
    if pos != len(data):
        raise CodecError("trailing bytes")
    return out


def _dec(v: Any, storages: list[_Stored], depth: int) -> Any:
    t = type(v)
    if v is None or t in (bool, int, float, str):
        return v
    if depth > 64:
        raise CodecError("nested too deeply")
    if t is list:
        return [_dec(x, storages, depth + 1) for x in v]
    if t is not dict:
        raise CodecError(f"unexpected {t.__name__}")
    kind = v.get(_T)
    if kind is None:
        return {k: _dec(x, storages, depth + 1) for k, x in v.items()}
    import torch

    if kind == "tensor":
        return _dec_tensor(v, storages)
    if kind == "tuple":
        return tuple(_dec(x, storages, depth + 1) for x in _list(v.get("items")))
    if kind == "dict":
        out: dict[Any, Any] = {}
        for pair in _list(v.get("items")):
            if type(pair) is not list or len(pair) != 2:
                raise CodecError("bad dict item")
            out[_dec(pair[0], storages, depth + 1)] = _dec(pair[1], storages, depth + 1)
        return out
    if kind == "float":
        if v.get("r") not in ("nan", "inf", "-inf"):
            raise CodecError("bad float")
        return float(v["r"])
    if kind == "complex":
        re, im = _dec(v.get("re"), storages, depth + 1), _dec(v.get("im"), storages, depth + 1)
        if type(re) is not float or type(im) is not float:
            raise CodecError("bad complex")
        return complex(re, im)
    if kind == "device":
        try:
            return torch.device(_str(v.get("s")))
        except (RuntimeError, ValueError) as exc:
            raise CodecError(f"bad device: {exc}") from None
    if kind == "dtype":
        return _dtype(v.get("s"))
    if kind == "size":
        s = _list(v.get("s"))
        if not all(type(x) is int and x >= 0 for x in s):
            raise CodecError("bad size")
        return torch.Size(s)
    raise CodecError("unknown marker")


def _dec_tensor(v: dict[str, Any], storages: list[_Stored]) -> torch.Tensor:
    import torch

    i = v.get("s")
    if type(i) is not int or not 0 <= i < len(storages):
        raise CodecError("bad storage index")
    dtype = _dtype(v.get("dtype"))
    shape, stride, offset = _list(v.get("shape")), _list(v.get("stride")), v.get("offset")
    if (len(shape) != len(stride) or len(shape) > 32 or type(offset) is not int or offset < 0
            or not all(type(x) is int and x >= 0 for x in shape + stride)):
        raise CodecError("bad tensor geometry")
    st = storages[i]
    try:
        if isinstance(st, tuple):      # a meta tensor: no data, only its geometry
            t = torch.empty_strided(shape, stride, dtype=dtype, device="meta")
        else:
            t = torch.empty(0, dtype=dtype, device=st.device)
            t.set_(st, offset, shape, stride)
        if v.get("rg") is True:
            t.requires_grad_(True)
    except (RuntimeError, ValueError, TypeError) as exc:
        raise CodecError(f"bad tensor: {str(exc)[:200]}") from None
    return t


def _dtype(name: Any) -> torch.dtype:
    import torch

    if name not in _DTYPES:
        raise CodecError("bad dtype")
    dtype: torch.dtype = getattr(torch, name)
    return dtype


def _list(v: Any) -> list[Any]:
    if type(v) is not list:
        raise CodecError("expected a list")
    return v


def _empty_storage() -> torch.UntypedStorage:
    import torch

    return torch.UntypedStorage(0)  # type: ignore[no-untyped-call]  # torch's stubs leave its constructor untyped


def _str(v: Any) -> str:
    if type(v) is not str:
        raise CodecError("expected a string")
    return v
