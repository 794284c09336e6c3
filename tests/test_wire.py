"""What crosses the process boundary: only data, every field's type checked."""
from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from torchdrill.sandbox import wire


def roundtrip(value):
    buf = io.BytesIO()
    torch.save({"v": wire.plain(value)}, buf)
    buf.seek(0)
    return wire.validate(torch.load(buf, weights_only=True)["v"])


def test_plain_values_survive():
    assert roundtrip([1, 2.5, "s", None, True]) == [1, 2.5, "s", None, True]
    assert roundtrip((1, 2)) == (1, 2)
    assert roundtrip({"a": 1}) == {"a": 1}
    t = roundtrip(torch.arange(3))
    assert type(t) is torch.Tensor and t.tolist() == [0, 1, 2]


def test_numpy_array_keeps_dtype():
    v = roundtrip(np.arange(3, dtype=np.int32))
    assert isinstance(v, wire.NDArray) and v.dtype == "int32" and v.tensor.tolist() == [0, 1, 2]


def test_lookalikes_become_opaque():
    class AlwaysEqual:
        def __eq__(self, other):
            return True

    class F(float):
        def __eq__(self, other):
            return True

    class T(torch.Tensor):
        pass

    assert isinstance(roundtrip(AlwaysEqual()), wire.Opaque)
    assert isinstance(roundtrip(F(1.0)), wire.Opaque)
    sub = roundtrip(torch.ones(1).as_subclass(T))
    assert isinstance(sub, wire.Opaque) and sub.detail == "a subclass of torch.Tensor"


def test_parameter_passes_as_a_plain_tensor():
    p = roundtrip(torch.nn.Parameter(torch.ones(2)))
    assert isinstance(p, wire.Parameter) and type(p.tensor) is torch.Tensor and p.tensor.requires_grad


def test_huge_containers_are_refused():
    v = roundtrip(list(range(wire.MAX_ITEMS + 1)))
    assert isinstance(v, wire.Opaque) and "items" in v.detail


@pytest.mark.parametrize("bad", [{wire.TAG: "nonsense"}, {1: 2}, {wire.TAG: "ndarray", "t": "x"}, bytearray(b"x")])
def test_validate_rejects_what_the_harness_never_writes(bad):
    with pytest.raises(wire.BadWire):
        wire.validate(bad)


def test_weights_only_refuses_code():
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    buf = io.BytesIO()
    torch.save({"v": Evil()}, buf)
    buf.seek(0)
    with pytest.raises(Exception):
        torch.load(buf, weights_only=True)


# ---------------------------------------------------------------- the trusted side's work is bounded
# (issue 11, part 2): a result a child wrote is refused within a small time and memory, whatever it
# claims, before anything inflates or expands.

import time
import tracemalloc
import zipfile

FAST_SECONDS = 0.5          # generous for a loaded CI machine; the refusals take milliseconds
SMALL_MEMORY = 16 << 20


def _saved(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def _repacked(data: bytes, *, compress=zipfile.ZIP_DEFLATED, replace: dict | None = None) -> bytes:
    """The members of a torch.save archive written again, deflated, some replaced: what a hostile
    child can write instead of what the harness writes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", compression=compress) as dst:
        for info in src.infolist():
            body = (replace or {}).get(info.filename.rsplit("/", 1)[-1], None)
            dst.writestr(info.filename, src.read(info) if body is None else body)
    return out.getvalue()


def _refused_quickly(fn, *args, **kwargs):
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(wire.BadWire) as err:
            fn(*args, **kwargs)
    finally:
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert seconds < FAST_SECONDS, f"refused after {seconds:.3f} s"
    assert peak < SMALL_MEMORY, f"refusing it took {peak >> 20} MB"
    return str(err.value)


def test_an_honest_result_archive_loads():
    data = _saved({"status": "ok", "value": wire.plain([torch.arange(3), (1, "s")])})
    raw = wire.load_result(data)
    assert raw["status"] == "ok" and wire.validate(raw["value"])[1] == (1, "s")


def test_zip_bomb_over_the_total_is_refused_before_inflating():
    bomb = _repacked(_saved({"status": "ok", "value": torch.zeros(80 << 18)}))      # 80 MiB of zeros
    assert len(bomb) < (1 << 20)
    message = _refused_quickly(wire.load_result, bomb)
    assert "MB" in message or "inflates" in message


def test_zip_bomb_under_the_total_is_refused_by_its_ratio():
    bomb = _repacked(_saved({"status": "ok", "value": torch.zeros(4 << 18)}))       # 4 MiB of zeros
    assert "inflates" in _refused_quickly(wire.load_result, bomb, max_bytes=64 << 20)


def test_total_cap_is_a_parameter():
    data = _saved({"v": torch.ones(1 << 18)})                                       # 1 MiB, stored
    assert "MB" in _refused_quickly(wire.load_result, data, max_bytes=512 << 10)
    assert wire.load_result(data, max_bytes=2 << 20)["v"].numel() == 1 << 18


def test_a_member_that_lies_about_its_size_is_refused():
    data = bytearray(_repacked(_saved({"v": "x" * 5000}), compress=zipfile.ZIP_STORED))
    at = data.rfind(b"PK\x01\x02")                       # the last central-directory entry: shrink its size
    while data[at + 46:at + 46 + len(b"archive/data.pkl")] != b"archive/data.pkl":
        at = data.rfind(b"PK\x01\x02", 0, at)
    data[at + 24:at + 28] = (10).to_bytes(4, "little")
    _refused_quickly(wire.load_result, bytes(data))


@pytest.mark.parametrize("blob", [b"", b"not a zip at all" * 10, b"PK\x05\x06" + b"\xff" * 18])
def test_what_is_not_an_archive_is_refused(blob):
    _refused_quickly(wire.load_result, blob)


def test_too_many_members_refused_before_parsing():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for i in range(300):
            z.writestr(f"archive/data/{i}", b"")
    _refused_quickly(wire.load_result, out.getvalue(), max_members=100)


def test_shared_nested_lists_are_refused_in_milliseconds():
    x: list = [0]
    for _ in range(wire.MAX_DEPTH):
        x = [x] * 100                        # 100**6 visits if expanded; a few KB on the wire
    data = _saved({"status": "ok", "value": x})
    assert len(data) < 16_000
    raw = wire.load_result(data)
    assert "shared" in _refused_quickly(wire.validate, raw["value"])


def test_deeply_nested_pickle_is_refused():
    depth = 100_000
    pickle = b"\x80\x02" + b"]" * depth + b"a" * (depth - 1) + b"."       # EMPTY_LIST..., APPEND...
    data = _repacked(_saved({"v": 1}), compress=zipfile.ZIP_STORED, replace={"data.pkl": pickle})
    started = time.perf_counter()
    raw = wire.load_result(data)
    assert time.perf_counter() - started < 5
    assert "deeply" in _refused_quickly(wire.validate, raw)


def test_budget_of_objects_bounds_validate():
    assert "objects" in _refused_quickly(wire.validate, [list(range(50)) for _ in range(50)],
                                         budget=wire.Budget(max_nodes=1_000))
    assert len(wire.validate([list(range(50)) for _ in range(50)])) == 50


def test_one_budget_spans_a_whole_record():
    budget = wire.Budget(max_nodes=150)
    wire.validate(list(range(100)), budget=budget)
    with pytest.raises(wire.BadWire):
        wire.validate(list(range(100)), budget=budget)


def test_a_huge_view_of_a_tiny_storage_is_refused():
    view = torch.zeros(1).expand(wire.MAX_TENSOR_ELEMENTS + 1)
    raw = wire.load_result(_saved({"v": view}))
    assert "elements" in _refused_quickly(wire.validate, raw["v"])


def test_empty_containers_may_repeat():
    assert wire.validate([(), (), [], {}]) == [(), (), [], {}]
