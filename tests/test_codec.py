"""The wire's byte format: what survives the trip, and what a hostile record cannot make us do."""
from __future__ import annotations

import json
import struct
import time

import pytest
import torch

from torchdrill.sandbox import codec


def roundtrip(value):
    return codec.decode(codec.encode(value))


def test_plain_values_come_back_exactly():
    value = {"a": [1, 2.5, "s", None, True], "t": (1, (2, 3)), "c": 3 - 4j, "nan": float("nan"),
             "inf": [float("inf"), float("-inf")], "big": 2 ** 80, "keys": {1: "one", (1, 2): "pair"},
             "dtype": torch.float64, "device": torch.device("cpu"), "size": torch.Size([2, 3]),
             "tricky": {"__td_codec__": "tensor"}}
    got = roundtrip(value)
    assert got["a"] == [1, 2.5, "s", None, True] and type(got["a"][1]) is float
    assert got["t"] == (1, (2, 3)) and type(got["t"][1]) is tuple
    assert got["c"] == 3 - 4j and got["nan"] != got["nan"] and got["inf"] == [float("inf"), float("-inf")]
    assert got["big"] == 2 ** 80 and got["keys"] == {1: "one", (1, 2): "pair"}
    assert got["dtype"] is torch.float64 and got["device"] == torch.device("cpu")
    assert type(got["size"]) is torch.Size and got["size"] == (2, 3)
    assert got["tricky"] == {"__td_codec__": "tensor"}       # a student's dict is data, never a marker


def test_tensors_keep_geometry_flags_and_shared_storage():
    base = torch.arange(12.0).reshape(3, 4)
    leaf = torch.tensor([1.0, 2.0], requires_grad=True)
    got = roundtrip([base, base.t(), base[1], leaf, torch.zeros(2, dtype=torch.int64), base.clone()])
    b, bt, row, lf, ints, copy = got
    assert torch.equal(b, base) and torch.equal(bt, base.t()) and bt.stride() == (1, 4)
    assert row.storage_offset() == 4 and torch.equal(row, base[1])
    ptr = b.untyped_storage().data_ptr()
    assert bt.untyped_storage().data_ptr() == ptr and row.untyped_storage().data_ptr() == ptr   # views stay views
    assert copy.untyped_storage().data_ptr() != ptr                                             # a copy stays a copy
    assert lf.requires_grad and lf.is_leaf and not b.requires_grad and ints.dtype is torch.int64


def test_meta_and_odd_tensors():
    meta, sparse = roundtrip([torch.zeros(3, 2, device="meta"), torch.eye(2).to_sparse()])
    assert meta.device.type == "meta" and meta.shape == (3, 2)
    assert sparse["__td__"] == "opaque" and "sparse" in sparse["type"]


def test_anything_else_is_refused_on_encoding():
    with pytest.raises(TypeError):
        codec.encode({"f": lambda: 1})
    with pytest.raises(TypeError):
        codec.encode(torch.nn.Parameter(torch.ones(1)))     # wire.plain turns these into data first


def _record(header: dict, tail: bytes = b"") -> bytes:
    head = json.dumps(header).encode()
    return b"TD1" + struct.pack("<Q", len(head)) + head + tail


@pytest.mark.parametrize("data", [
    b"", b"PK\x03\x04" + b"\0" * 100, b"TD1" + struct.pack("<Q", 1 << 40),
    _record({"v": 1}),                                                       # no storage table
    _record({"v": {"__td_codec__": "tensor", "s": 0, "dtype": "float32", "shape": [4], "stride": [1],
                   "offset": 0}, "storages": [{"n": 8, "dev": "cpu"}]}, b"\0" * 8),   # 16 bytes asked of 8
    _record({"v": {"__td_codec__": "tensor", "s": 3, "dtype": "float32", "shape": [1], "stride": [1],
                   "offset": 0}, "storages": []}),                           # no such storage
    _record({"v": {"__td_codec__": "tensor", "s": 0, "dtype": "object", "shape": [1], "stride": [1],
                   "offset": 0}, "storages": [{"n": 4, "dev": "cpu"}]}, b"\0" * 4),   # not a dtype
    _record({"v": 1, "storages": [{"n": 10, "dev": "cpu"}]}, b"\0" * 4),     # storage runs past the end
    _record({"v": 1, "storages": []}, b"extra"),                             # trailing bytes
    _record({"v": {"__td_codec__": "eval", "s": "__import__('os')"}, "storages": []}),
])
def test_hostile_records_are_refused(data):
    with pytest.raises(codec.CodecError):
        codec.decode(data)


def test_bounded_work_on_hostile_records():
    """Deep nesting, a huge header and an oversized record are refused in milliseconds: nothing
    in the format inflates or shares, so the work is linear in bytes that are capped first."""
    deep = b"TD1" + struct.pack("<Q", 400_000) + b"[" * 200_000 + b"]" * 200_000 + b'{"storages":[]}'
    for data, kw in ((deep, {}), (_record({"v": "x" * (9 << 20), "storages": []}), {}),
                     (b"TD1" + b"\0" * (70 << 20), {})):
        t = time.perf_counter()
        with pytest.raises(codec.CodecError):
            codec.decode(data, **kw)
        assert time.perf_counter() - t < 2.0
