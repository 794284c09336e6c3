"""What crosses the process boundary: only data, every field's type checked."""
from __future__ import annotations

import io
import time
import tracemalloc

import numpy as np
import pytest
import torch

from torchdrill.sandbox import codec, wire


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


def test_str_keyed_dicts_travel_as_objects_and_cannot_pose_as_markers():
    sent = wire.plain({"a": [1, {"b": 2.5}], "k" * (wire.MAX_STR + 5): 3})
    assert wire.TAG not in sent and sent["a"] == [1, {"b": 2.5}] and "k" * wire.MAX_STR in sent
    assert roundtrip({"a": [1, {"b": 2.5}]}) == {"a": [1, {"b": 2.5}]}
    # A student's dict that looks like one of the harness's markers stays a dict of data.
    forged = {wire.TAG: "opaque", "type": "builtins.float"}
    assert roundtrip(forged) == forged
    assert roundtrip({wire.TAG: "parameter", "t": torch.ones(1)})[wire.TAG] == "parameter"
    # Keys that are not exactly str still go as pairs: a str subclass is not trusted to hash.
    class S(str):
        pass

    got = roundtrip({S("x"): 1, "y": 2})
    assert got["y"] == 2 and len(got) == 2 and "x" not in got


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


# ---------------------------------------------------------------- the trusted side's work is bounded
# (issue 11, part 2): a result a child wrote is refused within a small time and memory, whatever it
# claims.  The byte format itself cannot inflate or share (tests/test_codec.py); what it decodes to
# is then validated under one budget per record.

FAST_SECONDS = 0.5          # generous for a loaded CI machine; the refusals take milliseconds
SMALL_MEMORY = 16 << 20


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


def test_shared_nested_lists_are_refused_in_milliseconds():
    """In memory a structure can share one list many times (100**6 visits if expanded): validate
    refuses a container reached twice instead of expanding it."""
    x: list = [0]
    for _ in range(wire.MAX_DEPTH):
        x = [x] * 100
    assert "shared" in _refused_quickly(wire.validate, x)


def test_deep_nesting_is_refused():
    deep: list = []
    for _ in range(200):
        deep = [deep]
    assert "deeply" in _refused_quickly(wire.validate, deep)


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
    """A few bytes on the wire can describe a tensor of a billion elements (stride 0)."""
    view = codec.decode(codec.encode(torch.zeros(1).expand(wire.MAX_TENSOR_ELEMENTS + 1)))
    assert "elements" in _refused_quickly(wire.validate, view)


def test_empty_containers_may_repeat():
    assert wire.validate([(), (), [], {}]) == [(), (), [], {}]
