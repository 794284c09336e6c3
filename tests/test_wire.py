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
