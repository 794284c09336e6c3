"""Graders for ex02_tensor_ops: element-wise and matrix products, views versus copies.

Visible checks are the docstrings' examples; hidden ones use seeded values of other shapes and
dtypes, broadcast and batched operands, 1-D operands of ``matmul`` and non-contiguous inputs
(``torch.save`` keeps strides, so a transposed tensor arrives transposed).  Every call also checks
that the inputs were left as they were.  Memory sharing between the result and the input is
measured in the trusted process (both come back in one saved object, so sharing survives).
"""
import torch

from torchdrill.grading import N_, StudentProblem, check, checks, code, msg, wrong
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
    """A tensor described: a float32 tensor of shape (2, 3), a non-contiguous int64 tensor of shape (4,)."""
    dtype, shape = str(t.dtype).replace("torch.", ""), _sig(tuple(t.shape))
    if not t.is_contiguous():
        return msg("a non-contiguous {dtype} tensor of shape {shape}", dtype=dtype, shape=shape)
    if dtype.startswith("int"):
        return msg("an {dtype} tensor of shape {shape}", dtype=dtype, shape=shape)
    return msg("a {dtype} tensor of shape {shape}", dtype=dtype, shape=shape)


DTYPE_HINT = N_("the result keeps the inputs' dtype (int64 stays int64, float64 stays float64): do not convert them")


def _expect(got, expected, *, what, hint, dtype_hint=DTYPE_HINT, **kw):
    """expect_tensor, with a hint that fits the rung that fails (dtype or the rest)."""
    dtype_rung = type(got) is torch.Tensor and tuple(got.shape) == tuple(expected.shape) and got.dtype != expected.dtype
    checks.expect_tensor(got, expected, what=what, hint=dtype_hint if dtype_rung else hint, **kw)


def _int_matmul_device(device):
    """Where integer matrix products can run: some accelerators have no int64 matmul kernel."""
    try:
        ones = torch.ones(2, 2, dtype=torch.int64, device=device)
        torch.matmul(ones, ones)
        return device
    except RuntimeError:
        return torch.device("cpu")


# ---------------------------------------------------------------------------- add / mul / matmul

HINTS = {
    "add": N_("a + b (or torch.add(a, b)) gives a new tensor; a += b and a.add_(b) change a"),
    "mul": N_("a * b (or torch.mul(a, b)) multiplies element by element; @ and torch.matmul are the matrix product"),
    "matmul": N_("a @ b (or torch.matmul(a, b)) handles batches, broadcasting and 1-D operands; "
                 "torch.mm only takes 2-D matrices and * is element-wise"),
}
EXPRESSION = {"add": "a + b", "mul": "a * b", "matmul": "a @ b"}


def _binary(student, func, a, b, label=None):
    """One call of add/mul/matmul: the result as torch computes it, on a's device, inputs unchanged."""
    expected = getattr(torch, func)(a, b)
    label = label or msg("{func}(a, b) for a of shape {sa} and b of shape {sb}", func=func, sa=_sig(tuple(a.shape)),
                         sb=_sig(tuple(b.shape)))
    r = student.call(func, a, b, hint=HINTS[func],
                     expected=msg("a tensor of shape {shape} ({expression})", shape=_sig(tuple(expected.shape)),
                                  expression=EXPRESSION[func]))
    _expect(r.value, expected, what=label, hint=HINTS[func])
    checks.expect_unchanged(r.args[0], a, what="the input a")
    checks.expect_unchanged(r.args[1], b, what="the input b")


def _seed(student, func, device):
    dev = _int_matmul_device(device) if func == "matmul" else device
    _binary(student, func, A_SEED.to(dev), B_SEED.to(dev),
            msg("{func}(a, b) for the lecture's a and b (int64)", func=func))


def _floats(student, func, device, seeds):
    cases = [((3, 4), (3, 4), torch.float32), ((2, 3, 2), (2, 3, 2), torch.float64), ((5,), (5,), torch.int64)]
    for (sa, sb, dt), s in zip(cases, seeds, strict=True):
        _binary(student, func, _rand(s, sa, dt, device), _rand(s + 1, sb, dt, device))


def _broadcast(student, func, device, seed):
    cases = [((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((4,), (2, 3, 4)), ((2, 1, 3), (5, 1))]
    for i, (sa, sb) in enumerate(cases):
        _binary(student, func, _rand(seed + 2 * i, sa, device=device), _rand(seed + 2 * i + 1, sb, device=device))


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
                    expected, code("NotImplementedError: Cannot copy out of meta tensor"), META_HINT) from None


def _on_meta(student, func):
    """add/mul/matmul of tensors on the meta device (every machine has it; no values, only shape, dtype
    and device): a result forced onto the CPU, or computed with numpy, shows here even without a GPU."""
    for sa, sb, dtype in META_CASES[func]:
        a, b = torch.empty(sa, dtype=dtype, device="meta"), torch.empty(sb, dtype=dtype, device="meta")
        expected = getattr(torch, func)(a, b)
        what = msg("{func}(a, b) for a of shape {sa} and b of shape {sb} on the meta device", func=func, sa=_sig(sa),
                   sb=_sig(sb))
        r = _call_on_meta(student, func, a, b, plain_args=(_rand(1, sa, dtype), _rand(2, sb, dtype)),
                          expected=msg("a tensor of shape {shape} on the meta device",
                                       shape=_sig(tuple(expected.shape))))
        _expect(r.value, expected, what=what, hint=HINTS[func], device_hint=META_HINT)


@check("add", "the lecture's example: int64 stays int64", visible=True)
def test_add_example(student, device):
    _seed(student, "add", device)


@check("add", "other shapes and dtypes; inputs unchanged")
def test_add_random(student, device):
    _floats(student, "add", device, (1101, 1103, 1105))


@check("add", "broadcast shapes")
def test_add_broadcast(student, device):
    _broadcast(student, "add", device, 1201)


@check("add", "inputs on another device (meta): the result stays there")
def test_add_meta(student):
    _on_meta(student, "add")


@check("mul", "the lecture's example: element-wise, int64 stays int64", visible=True)
def test_mul_example(student, device):
    _seed(student, "mul", device)


@check("mul", "other shapes and dtypes; inputs unchanged")
def test_mul_random(student, device):
    _floats(student, "mul", device, (2101, 2103, 2105))


@check("mul", "broadcast shapes")
def test_mul_broadcast(student, device):
    _broadcast(student, "mul", device, 2201)


@check("mul", "inputs on another device (meta): the result stays there")
def test_mul_meta(student):
    _on_meta(student, "mul")


@check("matmul", "the lecture's example: int64 stays int64", visible=True)
def test_matmul_example(student, device):
    _seed(student, "matmul", device)


@check("matmul", "matrices of other shapes and dtypes; inputs unchanged")
def test_matmul_matrices(student, device):
    for i, (sa, sb, dt) in enumerate([((3, 4), (4, 2), torch.float32), ((1, 5), (5, 1), torch.float32),
                                      ((2, 3), (3, 3), torch.float64)]):
        _binary(student, "matmul", _rand(3101 + 2 * i, sa, dt, device), _rand(3102 + 2 * i, sb, dt, device))


@check("matmul", "batched and broadcast operands", weight=1.5)
def test_matmul_batched(student, device):
    for i, (sa, sb) in enumerate([((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 2)),
                                  ((2, 1, 3, 4), (5, 4, 2))]):
        _binary(student, "matmul", _rand(3201 + 2 * i, sa, device=device), _rand(3202 + 2 * i, sb, device=device))


@check("matmul", "1-D operands (vectors)")
def test_matmul_vectors(student, device):
    for i, (sa, sb) in enumerate([((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 2)), ((4,), (2, 4, 3))]):
        _binary(student, "matmul", _rand(3301 + 2 * i, sa, device=device), _rand(3302 + 2 * i, sb, device=device))


@check("matmul", "inputs on another device (meta): the result stays there")
def test_matmul_meta(student):
    _on_meta(student, "matmul")


# ---------------------------------------------------------------------------- flatten_row

def _flatten_case(student, t, label):
    what = msg("flatten_row(t) for {case}", case=label)
    n = t.numel()
    r = student.call("flatten_row", t, expected=msg("a view of shape {shape}", shape=_sig((1, n))),
                     hint="view(1, -1) reshapes without copying; the numbers in view(...) must come from t's size")
    _expect(r.value, t.reshape(1, n), what=what, shares_with=r.args[0],
                         hint="the shape is (1, t.numel()): one row holding every element",
                         share_hint="t.view(1, -1) returns a view on t's memory; clone(), torch.tensor(...) "
                                    "and new tensors copy")
    checks.expect_unchanged(r.args[0], t, what="the input t")


@check("flatten_row", "the lecture's example: a view of shape (1, 4)", visible=True)
def test_flatten_row_example(student, device):
    _flatten_case(student, A_SEED.to(device), code("a = torch.tensor([[1, 2], [3, 4]])"))


@check("flatten_row", "other shapes and dtypes: still a view", weight=2)
def test_flatten_row_shapes(student, device):
    base = _rand(4104, (4, 3), device=device)
    for t in (_rand(4101, (3, 4), device=device), _rand(4102, (2, 3, 4), torch.float64, device),
              _rand(4103, (5,), torch.int64, device), base[1:3]):
        label = msg("{tensor} (rows 1-2 of a larger tensor)", tensor=_desc(t)) if t.storage_offset() else _desc(t)
        _flatten_case(student, t, label)


# ---------------------------------------------------------------------------- to_column

def _column_case(student, t, label):
    what = msg("to_column(t) for {case}", case=label)
    n = t.numel()
    r = student.call("to_column", t, expected=msg("a tensor of shape {shape} in row-major order", shape=_sig((n, 1))),
                     hint="view() needs contiguous memory: reshape(-1, 1) copies when it has to")
    _expect(r.value, t.contiguous().view(n, 1), what=what,
                         hint="the values go in row-major order of t as it is shown (t.flatten()), which for a "
                              "transposed tensor is not the order in memory")
    checks.expect_unchanged(r.args[0], t, what="the input t")


@check("to_column", "the docstring's example: a transposed tensor", visible=True)
def test_to_column_example(student, device):
    _column_case(student, A_SEED.to(device).t(), code("torch.tensor([[1, 2], [3, 4]]).t()"))


@check("to_column", "non-contiguous inputs: transposed, permuted, strided", weight=2)
def test_to_column_noncontiguous(student, device):
    cases = [
        (_rand(5101, (3, 4), device=device).t(),
         msg("a transposed {dtype} tensor of shape {shape}", dtype="float32", shape="(4, 3)")),
        (_rand(5102, (2, 3, 4), device=device).permute(2, 0, 1),
         msg("a permuted {dtype} tensor of shape {shape}", dtype="float32", shape="(4, 2, 3)")),
        (_rand(5103, (3, 6), torch.float64, device)[:, ::2],
         msg("every second column of a {dtype} tensor", dtype="float64")),
        (_rand(5104, (4, 5), torch.int64, device).t(),
         msg("a transposed {dtype} tensor of shape {shape}", dtype="int64", shape="(5, 4)")),
    ]
    for t, label in cases:
        _column_case(student, t, label)


@check("to_column", "contiguous inputs of other shapes")
def test_to_column_contiguous(student, device):
    for t in (_rand(5201, (2, 3, 4), device=device), _rand(5202, (5,), torch.int64, device),
              _rand(5203, (1, 1), device=device)):
        _column_case(student, t, _desc(t))


# ---------------------------------------------------------------------------- squeeze_all

def _squeeze_case(student, t, label):
    what = msg("squeeze_all(t) for {case}", case=label)
    expected = t.squeeze()
    r = student.call("squeeze_all", t, expected=msg("a view of shape {shape}", shape=_sig(tuple(expected.shape))))
    _expect(r.value, expected, what=what, shares_with=r.args[0],
                         hint="drop every dimension of size 1, and only those: squeeze() with no argument does",
                         share_hint="squeeze() returns a view on t's memory; clone(), torch.tensor(...) and new "
                                    "tensors copy")
    checks.expect_unchanged(r.args[0], t, what="the input t")


@check("squeeze_all", "the docstring's example: (1, 1, 3) -> (3,), a view", visible=True)
def test_squeeze_all_example(student, device):
    _squeeze_case(student, torch.tensor([[[1, 2, 3]]], device=device), code("torch.tensor([[[1, 2, 3]]])"))


@check("squeeze_all", "several size-1 dimensions anywhere", weight=2)
def test_squeeze_all_several(student, device):
    for t in (_rand(6101, (1, 3, 1, 4), device=device), _rand(6102, (2, 1, 1, 3, 1), torch.int64, device),
              _rand(6103, (1, 1), torch.float64, device), _rand(6104, (3, 1, 4), device=device).transpose(0, 2)):
        _squeeze_case(student, t, _desc(t))


@check("squeeze_all", "no size-1 dimension: same shape, still a view")
def test_squeeze_all_none(student, device):
    for t in (_rand(6201, (2, 3), device=device), _rand(6202, (4,), torch.int64, device)):
        _squeeze_case(student, t, _desc(t))
