"""Graders for ex02_tensor_ops: element-wise and matrix products, views versus copies.

Visible checks are the docstrings' examples; hidden ones use seeded values of other shapes and
dtypes, broadcast and batched operands, 1-D operands of ``matmul`` and non-contiguous inputs
(``torch.save`` keeps strides, so a transposed tensor arrives transposed).  Every call also checks
that the inputs were left as they were.  Memory sharing between the result and the input is
measured in the trusted process (both come back in one saved object, so sharing survives).
"""
import torch

from torchdrill.grading import StudentProblem, check, checks, wrong
from torchdrill.results import Outcome

A_SEED = torch.tensor([[1, 2], [3, 4]])
B_SEED = torch.tensor([[5, 6], [7, 8]])




def _sig(shape):
    return "(" + ", ".join(map(str, shape)) + (",)" if len(shape) == 1 else ")")


def _rand(seed, shape, dtype=torch.float32, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    if dtype.is_floating_point:
        return (torch.randn(shape, generator=g, dtype=torch.float64) * 2).to(dtype).to(device)
    return torch.randint(-9, 10, shape, generator=g).to(dtype).to(device)


def _desc(t):
    kind = "" if t.is_contiguous() else "non-contiguous "
    return f"a {kind}{str(t.dtype).replace('torch.', '')} tensor of shape {_sig(tuple(t.shape))}"


DTYPE_HINT = "the result keeps the inputs' dtype (int64 stays int64, float64 stays float64): do not convert them"


def _expect(got, expected, *, what, hint, dtype_hint=DTYPE_HINT, **kw):
    """expect_tensor, with a hint that fits the rung that fails (dtype or the rest)."""
    dtype_rung = type(got) is torch.Tensor and tuple(got.shape) == tuple(expected.shape) and got.dtype != expected.dtype
    checks.expect_tensor(got, expected, what=what, hint=dtype_hint if dtype_rung else hint, **kw)


def _int_matmul_device(device):
    """Where integer matrix products can run: some accelerators have no int64 matmul kernel."""
    try:
        torch.matmul(torch.ones(2, 2, dtype=torch.int64, device=device), torch.ones(2, 2, dtype=torch.int64, device=device))
        return device
    except RuntimeError:
        return torch.device("cpu")


# ---------------------------------------------------------------------------- add / mul / matmul

HINTS = {
    "add": "a + b (or torch.add(a, b)) gives a new tensor; a += b and a.add_(b) change a",
    "mul": "a * b (or torch.mul(a, b)) multiplies element by element; @ and torch.matmul are the matrix product",
    "matmul": "a @ b (or torch.matmul(a, b)) handles batches, broadcasting and 1-D operands; "
              "torch.mm only takes 2-D matrices and * is element-wise",
}
SYMBOL = {"add": "+", "mul": "*", "matmul": "@"}


def _binary(student, func, a, b, label=None):
    """One call of add/mul/matmul: the result as torch computes it, on a's device, inputs unchanged."""
    expected = getattr(torch, func)(a, b)
    label = label or f"{func}(a, b) for a of shape {_sig(tuple(a.shape))} and b of shape {_sig(tuple(b.shape))}"
    r = student.call(func, a, b, expected=f"a tensor of shape {_sig(tuple(expected.shape))} (a {SYMBOL[func]} b)",
              hint=HINTS[func])
    _expect(r.value, expected, what=label, hint=HINTS[func])
    checks.expect_unchanged(r.args[0], a, what="the input a")
    checks.expect_unchanged(r.args[1], b, what="the input b")


def _seed(student, func, device):
    dev = _int_matmul_device(device) if func == "matmul" else device
    _binary(student, func, A_SEED.to(dev), B_SEED.to(dev), f"{func}(a, b) for the lecture's a and b (int64)")


def _floats(student, func, device, seeds):
    cases = [((3, 4), (3, 4), torch.float32), ((2, 3, 2), (2, 3, 2), torch.float64), ((5,), (5,), torch.int64)]
    for (sa, sb, dt), s in zip(cases, seeds):
        _binary(student, func, _rand(s, sa, dt, device), _rand(s + 1, sb, dt, device))


def _broadcast(student, func, device, seed):
    cases = [((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((4,), (2, 3, 4)), ((2, 1, 3), (5, 1))]
    for i, (sa, sb) in enumerate(cases):
        _binary(student, func, _rand(seed + 2 * i, sa, device=device), _rand(seed + 2 * i + 1, sb, device=device))


def N_(text: str) -> str:
    """Mark a text kept in a constant as a message id: extracted into the catalog, translated when shown."""
    return text


META_HINT = N_("the inputs were on the 'meta' device, and the result must be computed where they are: torch operations "
               "on a and b do that; .cpu(), .to('cpu'), .numpy(), numpy functions (np.add, np.matmul, ...) and "
               "torch.tensor(...) of a list take the data to the CPU, or fail where it cannot go")
META_CASES = {
    "add": [((2, 3), (2, 3), torch.float32), ((3, 1), (1, 4), torch.int64), ((2, 3, 4), (4,), torch.float64)],
    "mul": [((2, 3), (2, 3), torch.float32), ((3, 1), (1, 4), torch.int64), ((2, 3, 4), (4,), torch.float64)],
    "matmul": [((3, 4), (4, 2), torch.float32), ((2, 3, 4), (4, 5), torch.float64), ((4,), (4, 3), torch.float32)],
}


def _call_on_meta(student, func, *args, expected, plain_args):
    """``student.call`` with meta tensors.  torch raises NotImplementedError when code copies a meta
    tensor's data (``.cpu()``, ``.tolist()``), which reads as "not implemented yet": when the same
    stub runs on ``plain_args``, that is the copy, and the message says so."""
    try:
        return student.call(func, *args, expected=expected, hint=META_HINT)
    except StudentProblem as problem:
        if problem.outcome is not Outcome.NOT_IMPLEMENTED:
            raise
        student.call(func, *plain_args)            # still not implemented at all: that message stands
        raise wrong("the code tried to copy the data of tensors on the meta device (to the CPU, into a list or "
                    "numpy), but the result must be computed on the device the inputs are on",
                    expected, "NotImplementedError: Cannot copy out of meta tensor", META_HINT) from None


def _on_meta(student, func):
    """add/mul/matmul of tensors on the meta device (every machine has it; no values, only shape, dtype
    and device): a result forced onto the CPU, or computed with numpy, shows here even without a GPU."""
    for sa, sb, dtype in META_CASES[func]:
        a, b = torch.empty(sa, dtype=dtype, device="meta"), torch.empty(sb, dtype=dtype, device="meta")
        expected = getattr(torch, func)(a, b)
        what = f"{func}(a, b) for a of shape {_sig(sa)} and b of shape {_sig(sb)} on the meta device"
        r = _call_on_meta(student, func, a, b, plain_args=(_rand(1, sa, dtype), _rand(2, sb, dtype)),
                          expected=f"a tensor of shape {_sig(tuple(expected.shape))} on the meta device")
        _expect(r.value, expected, what=what, hint=HINTS[func], device_hint=META_HINT)


@check("add", en="the lecture's example: int64 stays int64", ko="강의 예제: int64는 int64 그대로", visible=True)
def test_add_example(student, device):
    _seed(student, "add", device)


@check("add", en="other shapes and dtypes; inputs unchanged", ko="다른 모양과 dtype; 입력은 그대로")
def test_add_random(student, device):
    _floats(student, "add", device, (1101, 1103, 1105))


@check("add", en="broadcast shapes", ko="broadcast되는 모양")
def test_add_broadcast(student, device):
    _broadcast(student, "add", device, 1201)


@check("add", en="inputs on another device (meta): the result stays there", ko="다른 장치(meta)의 입력: 결과도 그 장치에")
def test_add_meta(student):
    _on_meta(student, "add")


@check("mul", en="the lecture's example: element-wise, int64 stays int64", ko="강의 예제: 원소별 곱, int64 그대로",
       visible=True)
def test_mul_example(student, device):
    _seed(student, "mul", device)


@check("mul", en="other shapes and dtypes; inputs unchanged", ko="다른 모양과 dtype; 입력은 그대로")
def test_mul_random(student, device):
    _floats(student, "mul", device, (2101, 2103, 2105))


@check("mul", en="broadcast shapes", ko="broadcast되는 모양")
def test_mul_broadcast(student, device):
    _broadcast(student, "mul", device, 2201)


@check("mul", en="inputs on another device (meta): the result stays there", ko="다른 장치(meta)의 입력: 결과도 그 장치에")
def test_mul_meta(student):
    _on_meta(student, "mul")


@check("matmul", en="the lecture's example: int64 stays int64", ko="강의 예제: int64는 int64 그대로", visible=True)
def test_matmul_example(student, device):
    _seed(student, "matmul", device)


@check("matmul", en="matrices of other shapes and dtypes; inputs unchanged", ko="다른 모양과 dtype의 행렬; 입력은 그대로")
def test_matmul_matrices(student, device):
    for i, (sa, sb, dt) in enumerate([((3, 4), (4, 2), torch.float32), ((1, 5), (5, 1), torch.float32),
                                      ((2, 3), (3, 3), torch.float64)]):
        _binary(student, "matmul", _rand(3101 + 2 * i, sa, dt, device), _rand(3102 + 2 * i, sb, dt, device))


@check("matmul", en="batched and broadcast operands", ko="배치와 broadcast되는 입력", weight=1.5)
def test_matmul_batched(student, device):
    for i, (sa, sb) in enumerate([((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 2)),
                                  ((2, 1, 3, 4), (5, 4, 2))]):
        _binary(student, "matmul", _rand(3201 + 2 * i, sa, device=device), _rand(3202 + 2 * i, sb, device=device))


@check("matmul", en="1-D operands (vectors)", ko="1차원 입력 (벡터)")
def test_matmul_vectors(student, device):
    for i, (sa, sb) in enumerate([((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 2)), ((4,), (2, 4, 3))]):
        _binary(student, "matmul", _rand(3301 + 2 * i, sa, device=device), _rand(3302 + 2 * i, sb, device=device))


@check("matmul", en="inputs on another device (meta): the result stays there", ko="다른 장치(meta)의 입력: 결과도 그 장치에")
def test_matmul_meta(student):
    _on_meta(student, "matmul")


# ---------------------------------------------------------------------------- flatten_row

def _flatten_case(student, t, label):
    what = f"flatten_row(t) for {label}"
    n = t.numel()
    r = student.call("flatten_row", t, expected=f"a view of shape (1, {n})",
              hint="view(1, -1) reshapes without copying; the numbers in view(...) must come from t's size")
    _expect(r.value, t.reshape(1, n), what=what, shares_with=r.args[0],
                         hint="the shape is (1, t.numel()): one row holding every element",
                         share_hint="t.view(1, -1) returns a view on t's memory; clone(), torch.tensor(...) "
                                    "and new tensors copy")
    checks.expect_unchanged(r.args[0], t, what="the input t")


@check("flatten_row", en="the lecture's example: a view of shape (1, 4)", ko="강의 예제: 모양 (1, 4)인 뷰", visible=True)
def test_flatten_row_example(student, device):
    _flatten_case(student, A_SEED.to(device), "a = torch.tensor([[1, 2], [3, 4]])")


@check("flatten_row", en="other shapes and dtypes: still a view", ko="다른 모양과 dtype: 여전히 뷰", weight=2)
def test_flatten_row_shapes(student, device):
    base = _rand(4104, (4, 3), device=device)
    for t in (_rand(4101, (3, 4), device=device), _rand(4102, (2, 3, 4), torch.float64, device),
              _rand(4103, (5,), torch.int64, device), base[1:3]):
        label = _desc(t) + (" (rows 1-2 of a larger tensor)" if t.storage_offset() else "")
        _flatten_case(student, t, label)


# ---------------------------------------------------------------------------- to_column

def _column_case(student, t, label):
    what = f"to_column(t) for {label}"
    n = t.numel()
    r = student.call("to_column", t, expected=f"a tensor of shape ({n}, 1) in row-major order",
              hint="view() needs contiguous memory: reshape(-1, 1) copies when it has to")
    _expect(r.value, t.contiguous().view(n, 1), what=what,
                         hint="the values go in row-major order of t as it is shown (t.flatten()), which for a "
                              "transposed tensor is not the order in memory")
    checks.expect_unchanged(r.args[0], t, what="the input t")


@check("to_column", en="the docstring's example: a transposed tensor", ko="문서 예제: 전치한 텐서", visible=True)
def test_to_column_example(student, device):
    _column_case(student, A_SEED.to(device).t(), "torch.tensor([[1, 2], [3, 4]]).t()")


@check("to_column", en="non-contiguous inputs: transposed, permuted, strided", ko="연속이 아닌 입력: 전치, 순서 바꿈, 건너뛰기",
       weight=2)
def test_to_column_noncontiguous(student, device):
    cases = [
        (_rand(5101, (3, 4), device=device).t(), "a transposed float32 tensor of shape (4, 3)"),
        (_rand(5102, (2, 3, 4), device=device).permute(2, 0, 1), "a permuted float32 tensor of shape (4, 2, 3)"),
        (_rand(5103, (3, 6), torch.float64, device)[:, ::2], "every second column of a float64 tensor"),
        (_rand(5104, (4, 5), torch.int64, device).t(), "a transposed int64 tensor of shape (5, 4)"),
    ]
    for t, label in cases:
        _column_case(student, t, label)


@check("to_column", en="contiguous inputs of other shapes", ko="다른 모양의 연속 입력")
def test_to_column_contiguous(student, device):
    for t in (_rand(5201, (2, 3, 4), device=device), _rand(5202, (5,), torch.int64, device),
              _rand(5203, (1, 1), device=device)):
        _column_case(student, t, _desc(t))


# ---------------------------------------------------------------------------- squeeze_all

def _squeeze_case(student, t, label):
    what = f"squeeze_all(t) for {label}"
    expected = t.squeeze()
    r = student.call("squeeze_all", t, expected=f"a view of shape {_sig(tuple(expected.shape))}")
    _expect(r.value, expected, what=what, shares_with=r.args[0],
                         hint="drop every dimension of size 1, and only those: squeeze() with no argument does",
                         share_hint="squeeze() returns a view on t's memory; clone(), torch.tensor(...) and new "
                                    "tensors copy")
    checks.expect_unchanged(r.args[0], t, what="the input t")


@check("squeeze_all", en="the docstring's example: (1, 1, 3) -> (3,), a view", ko="문서 예제: (1, 1, 3) -> (3,), 뷰",
       visible=True)
def test_squeeze_all_example(student, device):
    _squeeze_case(student, torch.tensor([[[1, 2, 3]]], device=device), "torch.tensor([[[1, 2, 3]]])")


@check("squeeze_all", en="several size-1 dimensions anywhere", ko="여러 위치의 크기 1인 차원 여러 개", weight=2)
def test_squeeze_all_several(student, device):
    for t in (_rand(6101, (1, 3, 1, 4), device=device), _rand(6102, (2, 1, 1, 3, 1), torch.int64, device),
              _rand(6103, (1, 1), torch.float64, device), _rand(6104, (3, 1, 4), device=device).transpose(0, 2)):
        _squeeze_case(student, t, _desc(t))


@check("squeeze_all", en="no size-1 dimension: same shape, still a view", ko="크기 1인 차원이 없으면 모양 그대로, 여전히 뷰")
def test_squeeze_all_none(student, device):
    for t in (_rand(6201, (2, 3), device=device), _rand(6202, (4,), torch.int64, device)):
        _squeeze_case(student, t, _desc(t))
