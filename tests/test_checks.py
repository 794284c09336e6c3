"""The check ladder: each rung, in order, with the exact message a student reads."""
from __future__ import annotations

import pytest
import torch

from torchdrill.grading import checks
from torchdrill.grading.feedback import WrongAnswer, set_language
from torchdrill.sandbox import wire


@pytest.fixture(autouse=True)
def english():
    set_language("en")


def msg(fn, *a, **k) -> str:
    with pytest.raises(WrongAnswer) as e:
        fn(*a, **k)
    return e.value.render()


def test_passes_on_equal_tensor():
    x = torch.tensor([1.0, 2.0])
    assert checks.expect_tensor(x.clone(), x, what="r") is not None


def test_type_rung_names_what_came_back():
    assert msg(checks.expect_tensor, [1.0, 2.0], torch.tensor([1.0, 2.0]), what="add(a, b)") == (
        "add(a, b) should be a torch.Tensor.\n"
        "expected: torch.Tensor\n"
        "got:      list of 2 [float 1.0, float 2.0]\n"
        "hint: build a tensor, e.g. with torch.tensor(...) or torch.stack(...)")


def test_numpy_array_is_not_a_tensor():
    got = wire.NDArray(torch.zeros(2), "float32")
    assert "numpy.ndarray(shape=(2,), dtype=float32)" in msg(checks.expect_tensor, got, torch.zeros(2), what="r")


def test_shape_before_dtype():
    m = msg(checks.expect_tensor, torch.zeros(3, 1, dtype=torch.float64), torch.zeros(3), what="r")
    assert m.startswith("r has the wrong shape.\nexpected: (3,)\ngot:      (3, 1)")


def test_dtype_rung_with_hint():
    m = msg(checks.expect_tensor, torch.zeros(3, dtype=torch.float64), torch.zeros(3), what="zeros(3)")
    assert m == ("zeros(3) has the wrong dtype.\nexpected: float32\ngot:      float64\n"
                 "hint: torch's default floating type is float32; numpy's float64 carries over from np arrays")


def test_device_rung():
    m = msg(checks.expect_tensor, torch.zeros(2), torch.zeros(2, device="meta"), what="r")
    assert m.startswith("r is on the wrong device.\nexpected: meta\ngot:      cpu")


def test_requires_grad_rung():
    w = torch.ones(2, requires_grad=True)
    assert "should not require grad" in msg(checks.expect_tensor, w, torch.ones(2), what="r", requires_grad=False)
    assert "should require grad" in msg(checks.expect_tensor, torch.ones(2), torch.ones(2), what="r",
                                        requires_grad=True)


def test_sharing_rung():
    x = torch.arange(4.0)
    assert checks.expect_tensor(x.view(2, 2), x.view(2, 2), what="r", shares_with=x) is not None
    m = msg(checks.expect_tensor, x.clone().view(2, 2), x.view(2, 2), what="r", shares_with=x)
    assert m.startswith("r should share memory with the input (a view), but it is a copy.")


def test_empty_tensors_never_share():
    assert not checks.shares_memory(torch.empty(0), torch.empty(0))


def test_values_name_the_worst_element():
    e = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    g = e.clone()
    g[1, 0] = 30.0
    g[0, 1] = 2.5
    m = msg(checks.expect_tensor, g, e, what="r")
    assert m.splitlines()[0] == "r has wrong values (2 of 4 elements differ; the worst is at index [1, 0])."
    assert "expected: 3 at index [1, 0]" in m and "got:      30 at index [1, 0]" in m


def test_float32_tolerance_accepts_rounding():
    e = torch.tensor([1.0, 2.0])
    checks.expect_tensor(e + 1e-7, e, what="r")


def test_int64_is_exact():
    assert "wrong value" in msg(checks.expect_tensor, torch.tensor([1, 3]), torch.tensor([1, 2]), what="r")


CASES = [
    # (got, expected, rtol, atol) — on each side of the tolerances, per dtype, with NaN and inf
    (torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0 + 3e-6]), None, None),
    (torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0 + 3e-5]), None, None),
    (torch.tensor([1.0, 2.0], dtype=torch.float64), torch.tensor([1.0, 2.0 + 1e-7], dtype=torch.float64), None, None),
    (torch.tensor([1.0, 2.0], dtype=torch.float64), torch.tensor([1.0, 2.0 + 1e-6], dtype=torch.float64), None, None),
    (torch.tensor([1.0], dtype=torch.float16), torch.tensor([1.0009], dtype=torch.float16), None, None),
    (torch.tensor([1.0], dtype=torch.bfloat16), torch.tensor([1.01], dtype=torch.bfloat16), None, None),
    (torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0], dtype=torch.float64) + 5e-6, None, None),
    (torch.tensor([float("nan"), 1.0]), torch.tensor([float("nan"), 1.0]), None, None),
    (torch.tensor([float("nan"), 1.0]), torch.tensor([0.0, 1.0]), None, None),
    (torch.tensor([float("inf"), -float("inf")]), torch.tensor([float("inf"), -float("inf")]), None, None),
    (torch.tensor([float("inf")]), torch.tensor([-float("inf")]), None, None),
    (torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.1]), 0.1, 0.0),
    (torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.5]), 0.1, 0.0),
    (torch.tensor([1, 2, 3]), torch.tensor([1, 2, 3]), None, None),
    (torch.tensor([1, 2, 3]), torch.tensor([1, 2, 4]), None, None),
    (torch.tensor([1, 2, 3], dtype=torch.int32), torch.tensor([1, 2, 3]), None, None),
    (torch.tensor([True, False]), torch.tensor([True, False]), None, None),
    (torch.tensor([True, False]), torch.tensor([True, True]), None, None),
    (torch.tensor([1 + 1j]), torch.tensor([1 + 1j + 1e-6]), None, None),
    (torch.tensor([1 + 1j]), torch.tensor([1 + 2j]), None, None),
    (torch.tensor(3.0), torch.tensor(3.0 + 1e-4), 0.0, 1e-3),
]


@pytest.mark.parametrize(("got", "expected", "rtol", "atol"), CASES)
def test_closeness_is_torch_testing_assert_close(got, expected, rtol, atol):
    """``close_elements`` is assert_close's rule without its import of torch.distributed."""
    try:
        torch.testing.assert_close(got, expected, rtol=rtol, atol=atol, equal_nan=True, check_dtype=False)
        agrees = True
    except AssertionError:
        agrees = False
    assert bool(checks.close_elements(got, expected, rtol=rtol, atol=atol).all()) is agrees


def test_values_name_the_worst_real_difference_not_a_nan_that_was_expected():
    e = torch.tensor([float("nan"), 1.0, 2.0])
    m = msg(checks.expect_tensor, torch.tensor([float("nan"), 1.0, 5.0]), e, what="r")
    assert m.splitlines()[0] == "r has wrong values (1 of 3 elements differ; the worst is at index [2])."


def test_expect_float_rejects_a_tensor_with_hint():
    m = msg(checks.expect_float, torch.tensor(2.0), 2.0, what="train_step(...)")
    assert "call .item()" in m


def test_expect_floats_reports_first_difference():
    m = msg(checks.expect_floats, [4.0, 8.0, 13.0], [4.0, 8.0, 12.0], what="grads")
    assert m.startswith("grads differs first at position 2.\nexpected: 12\ngot:      13")


def test_opaque_objects_are_described_without_their_repr():
    m = msg(checks.expect_tensor, wire.Opaque("evil.AlwaysEqual"), torch.zeros(1), what="r")
    assert "an object of type evil.AlwaysEqual" in m


def test_unchanged_input():
    before = torch.tensor([1.0, 2.0])
    checks.expect_unchanged(before.clone(), before, what="a")
    assert "was modified" in msg(checks.expect_unchanged, before + 1, before, what="a")
