"""Graders for ex01_tensors: building tensors, numpy interop, zeros/ones, normal samples.

Visible checks are the docstrings' examples; hidden ones use shapes, dtypes and values the student
cannot guess (seeded here, so every run grades alike).  Memory sharing with numpy cannot cross the
process boundary, so it is measured in the child (``probe("np_shares", ...)``).  Random samples
are judged by behaviour: a generator seeded alike gives the same tensor, other seeds other
tensors, and 10 000 samples pass a Kolmogorov-Smirnov test against N(0, 1) at alpha = 1e-6, so any
correct sampler (``randn``, ``normal``, ``empty().normal_`` ...) passes and uniform or rescaled
samples do not.
"""
import math
import random

import torch

from torchdrill.grading import N_, check, checks, code, make, msg, probe, wrong
from torchdrill.sandbox import wire

_storage_nbytes = torch._C.StorageBase.nbytes
_untyped_storage = torch._C.TensorBase.untyped_storage

NP_NAME = {torch.float16: "float16", torch.float32: "float32", torch.float64: "float64", torch.int8: "int8",
           torch.int16: "int16", torch.int32: "int32", torch.int64: "int64", torch.uint8: "uint8"}


def _sig(shape):
    return "(" + ", ".join(map(str, shape)) + ")"


def _call(func, shape):
    """The call as a student writes it, ``zeros(2, 3)``: code, shown as it is."""
    return func + _sig(shape)


def _an(dtype):
    """English says "an int64 tensor" but "a float32 tensor"."""
    return dtype.startswith("int")


def _tensor(dtype, shape=None):
    """A tensor described: a float32 tensor, or an int64 tensor of shape (2, 3)."""
    if shape is None:
        return msg("an {dtype} tensor", dtype=dtype) if _an(dtype) else msg("a {dtype} tensor", dtype=dtype)
    shape = str(tuple(shape))
    if _an(dtype):
        return msg("an {dtype} tensor of shape {shape}", dtype=dtype, shape=shape)
    return msg("a {dtype} tensor of shape {shape}", dtype=dtype, shape=shape)


def _array(dtype, shape):
    """A numpy array described: a float32 array of shape (3, 4)."""
    shape = str(tuple(shape))
    if _an(dtype):
        return msg("an {dtype} array of shape {shape}", dtype=dtype, shape=shape)
    return msg("a {dtype} array of shape {shape}", dtype=dtype, shape=shape)


def _after_default_float64(call):
    return msg("{call} after torch.set_default_dtype(torch.float64)", call=call)


def _randn(seed, shape, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=g, dtype=torch.float64).mul(3).to(dtype)


def _ints(seed, shape, lo=-50, hi=50):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(lo, hi, shape, generator=g)


# ---------------------------------------------------------------------------- make_tensor

def _expect_made(got, data, dtype, what):
    checks.expect_tensor(got, torch.tensor(data, dtype=dtype), what=what, rtol=0, atol=0,
                         hint="integers give int64; a float anywhere in the list gives float32")


@check("make_tensor", "the lecture's examples: int64 and float32", visible=True)
def test_make_tensor_example(student):
    data = [[1, 2], [3, 4]]
    r = student.call("make_tensor", data, expected="an int64 tensor [[1, 2], [3, 4]]")
    _expect_made(r.value, data, torch.int64, code("make_tensor([[1, 2], [3, 4]])"))
    r = student.call("make_tensor", [1, 2.5], expected="a float32 tensor [1.0, 2.5]")
    _expect_made(r.value, [1, 2.5], torch.float32, code("make_tensor([1, 2.5])"))


@check("make_tensor", "lists of integers of other shapes stay int64")
def test_make_tensor_ints(student):
    rng = random.Random(101)
    cube = [[[rng.randint(-9, 9) for _k in range(4)] for _j in range(3)] for _i in range(2)]
    big = [[2 ** 40 + 7, -3], [5, 2 ** 33]]            # beyond int32
    for data in ([42], cube, big):
        shape = tuple(torch.tensor(data).shape)
        r = student.call("make_tensor", data, expected=_tensor("int64", shape))
        _expect_made(r.value, data, torch.int64,
                     msg("make_tensor(...) of a {depth}-level list of integers", depth=len(shape)))


@check("make_tensor", "floats, and ints mixed with floats, give float32")
def test_make_tensor_floats(student):
    rng = random.Random(102)
    grid = [[round(rng.uniform(-10, 10), 7) for _j in range(4)] for _i in range(3)]
    mixed = [[1, 2, 3], [4, 5.5, 6]]
    whole = [1.0, 2.0, 3.0]                               # floats that hold whole numbers are still floats
    deep = [[[rng.uniform(-1, 1)], [7]], [[-2], [0.25]]]
    for data, label in ((grid, msg("a 3x4 list of floats")), (mixed, "[[1, 2, 3], [4, 5.5, 6]]"),
                        (whole, "[1.0, 2.0, 3.0]"), (deep, msg("a nested list mixing ints and floats"))):
        shape = tuple(torch.tensor(data).shape)
        r = student.call("make_tensor", data, expected=_tensor("float32", shape))
        _expect_made(r.value, data, torch.float32, msg("make_tensor({data})", data=label))


@check("make_tensor", "float32 even when the default dtype was changed", weight=0.5)
def test_make_tensor_default_dtype(student):
    for data, dtype in (([[0.5, 1], [2, 3]], torch.float32), ([1, 2, 3], torch.int64)):
        r = student.call("make_tensor", data, expected=_tensor(NP_NAME[dtype]),
                         probes=[probe("default_dtype", "float64")])
        checks.expect_tensor(r.value, torch.tensor(data, dtype=dtype),
                             what=_after_default_float64(msg("make_tensor({data})", data=str(data))),
                             hint="name the dtype (torch.float32) instead of relying on the default, "
                                  "and only for lists that hold floats")


# ---------------------------------------------------------------------------- from_numpy

def _from_numpy_case(student, t, label):
    """``label``: the array, as code (``arr = np.array(...)``) or as a description (a msg)."""
    dtype = NP_NAME[t.dtype]
    sharing = (msg("an {dtype} tensor sharing arr's memory", dtype=dtype) if _an(dtype)
               else msg("a {dtype} tensor sharing arr's memory", dtype=dtype))
    r = student.call("from_numpy", make("ndarray", t), expected=sharing, probes=[probe("np_shares", "result", 0)])
    what = msg("from_numpy(arr) for {case}", case=label)
    checks.expect_tensor(r.value, t.cpu(), what=what, rtol=0, atol=0,
                         hint="keep numpy's dtype: converting it (e.g. to float32) copies")
    checks.expect(r.probes["np_shares"] is True,
                  msg("{what} does not share memory with arr: a write to one would not show in the other", what=what),
                  "a tensor that uses arr's memory", "a copy of arr",
                  "torch.tensor(arr) and np.array(...) copy; torch.from_numpy(arr) and torch.as_tensor(arr) share")


@check("from_numpy", "the lecture's example: float64 kept, memory shared", visible=True)
def test_from_numpy_example(student):
    _from_numpy_case(student, torch.tensor([1.0, 2.0], dtype=torch.float64), "arr = np.array([1.0, 2.0])")


@check("from_numpy", "other dtypes and shapes: dtype kept, memory shared", weight=2)
def test_from_numpy_dtypes(student):
    cases = [
        (_randn(201, (3, 4), torch.float32), _array("float32", (3, 4))),
        (_ints(202, (2, 5)).to(torch.int32), _array("int32", (2, 5))),
        (_randn(203, (2, 3, 2), torch.float64), _array("float64", (2, 3, 2))),
        (_ints(204, (6,)), _array("int64", (6,))),
        (_randn(205, (3, 4), torch.float32).t(), msg("a transposed (non-contiguous) {dtype} array", dtype="float32")),
    ]
    for t, label in cases:
        _from_numpy_case(student, t, label)


# ---------------------------------------------------------------------------- to_numpy

def _to_numpy_case(student, arg, t, label, *, must_share):
    what = msg("to_numpy(t) for {case}", case=label)
    ndarray = msg("a numpy.ndarray sharing memory with t") if must_share else msg("a numpy.ndarray")
    r = student.call("to_numpy", arg, expected=ndarray,
                     hint="a tensor that requires grad must be detached first (t.detach()); one on a GPU copied to "
                          "the CPU",
                     probes=[probe("np_shares", "result", 0)])
    got = r.value
    if not isinstance(got, wire.NDArray) or got.tensor is None:
        raise wrong(msg("{what} should be a {kind}.", what=what, kind="numpy.ndarray"), code("numpy.ndarray"),
                    checks.describe(got),
                    "Tensor.numpy() gives an ndarray; tolist() gives a list and a tensor is not an ndarray")
    want = NP_NAME[t.dtype]
    checks.expect(got.dtype == want, msg("{what} has the wrong dtype.", what=what), code(want), code(got.dtype),
                  "keep the tensor's dtype: .numpy() does; astype(...) or np.array(..., dtype=...) change it")
    checks.expect_tensor(got.tensor, t.detach().cpu(), what=what, device=False, rtol=0, atol=0)
    if must_share:
        checks.expect(r.probes["np_shares"] is True,
                      msg("{what} does not share memory with t: a write to one would not show in the other",
                          what=what),
                      "an ndarray that uses t's memory", "a copy",
                      "np.array(t), .copy() and .clone() copy; t.detach().numpy() shares")
    return r


@check("to_numpy", "the lecture's example: a tensor that requires grad", visible=True)
def test_to_numpy_example(student):
    t = torch.ones(2)
    r = _to_numpy_case(student, make("leaf", t), t, code("w = torch.ones(2, requires_grad=True)"), must_share=True)
    checks.expect(type(r.args[0]) is torch.Tensor and r.args[0].requires_grad,
                  "to_numpy(w) changed w: it no longer requires grad", code("w.requires_grad=True"),
                  code("w.requires_grad=False"),
                  "detach() gives a new tensor; requires_grad_(False) changes the caller's")


@check("to_numpy", "CPU tensors of other dtypes and shapes: same memory", weight=1.5)
def test_to_numpy_cpu(student):
    cases = [
        (_randn(301, (3, 4), torch.float32), _tensor("float32", (3, 4))),
        (_ints(302, (5,)), _tensor("int64", (5,))),
        (_randn(303, (2, 3, 2), torch.float64), _tensor("float64", (2, 3, 2))),
        (_randn(304, (4, 3), torch.float32).t(), msg("a transposed (non-contiguous) tensor")),
    ]
    for t, label in cases:
        _to_numpy_case(student, t, t, label, must_share=True)


@check("to_numpy", "tensors that require grad are detached, still sharing", weight=1.5)
def test_to_numpy_requires_grad(student, device):
    on_cpu = device.type == "cpu"
    t = _randn(311, (2, 3)).to(device)
    _to_numpy_case(student, make("leaf", t), t,
                   msg("a leaf of shape {shape} that requires grad on {device}", shape="(2, 3)", device=device.type),
                   must_share=on_cpu)
    t = _randn(312, (4,)).to(device)
    _to_numpy_case(student, make("nonleaf", t, scale=2.0, shift=1.0), t * 2.0 + 1.0,
                   msg("the result of a computation that requires grad on {device}", device=device.type),
                   must_share=on_cpu)
    t = _ints(313, (3, 2)).to(device)
    _to_numpy_case(student, t, t, msg("an {dtype} tensor on {device}", dtype="int64", device=device.type),
                   must_share=on_cpu)


# ---------------------------------------------------------------------------- zeros / ones

def _filled_case(student, func, fill, shape, *, probes=(), repeat=1, what=None):
    what = what or code(_call(func, shape))
    probes = [probe("deterministic"), *probes]        # torch.empty holds NaN, not whatever was there
    r = student.call(func, *shape, expected=_tensor("float32", shape), probes=probes, repeat=repeat)
    checks.expect_tensor(r.value, torch.full(shape, fill, dtype=torch.float32), what=what, rtol=0, atol=0,
                         hint=msg("torch.{func}(*shape) with dtype=torch.float32", func=func))
    return r


def _own_memory(values, func, shape):
    """Each element has its own memory, and two calls give two tensors (no expand, no shared cache)."""
    a, b = values
    numel = math.prod(shape)
    checks.expect(_storage_nbytes(_untyped_storage(a)) >= numel * a.element_size(),
                  msg("{call} does not have memory for each of its {n} elements (an expanded view?)",
                      call=_call(func, shape), n=numel),
                  "a tensor whose elements each have their own memory", "several elements on one memory cell",
                  "expand() only pretends to have the shape: writing one element would change many")
    checks.expect(not checks.shares_memory(a, b),
                  msg("two calls of {call} return the same memory", call=_call(func, shape)),
                  "a new tensor on every call", "the same tensor again",
                  "build a fresh tensor in the function instead of returning a stored one")


def _filled_checks(student, func, fill):
    for shape in ((5,), (0,), (3, 0, 2), (1, 1)):
        _filled_case(student, func, fill, shape)
    shape = (2, 3, 4)
    r = _filled_case(student, func, fill, shape, repeat=2)
    checks.expect(type(r.values) is list and len(r.values) == 2 and all(type(v) is torch.Tensor for v in r.values),
                  msg("{call} did not return a tensor on each call", call=_call(func, shape)), "two tensors",
                  checks.describe(r.values))
    _own_memory(r.values, func, shape)


@check("zeros", "the lecture's example: zeros(2, 3) is float32", visible=True)
def test_zeros_example(student):
    _filled_case(student, "zeros", 0.0, (2, 3))


@check("zeros", "1-D, 3-D and zero-size shapes")
def test_zeros_shapes(student):
    _filled_checks(student, "zeros", 0.0)


@check("zeros", "float32 even when the default dtype was changed", weight=0.5)
def test_zeros_default_dtype(student):
    _filled_case(student, "zeros", 0.0, (3, 2), probes=[probe("default_dtype", "float64")],
                 what=_after_default_float64("zeros(3, 2)"))


@check("ones", "the lecture's example: ones(2, 2) is float32", visible=True)
def test_ones_example(student):
    _filled_case(student, "ones", 1.0, (2, 2))


@check("ones", "1-D, 3-D and zero-size shapes")
def test_ones_shapes(student):
    _filled_checks(student, "ones", 1.0)


@check("ones", "float32 even when the default dtype was changed", weight=0.5)
def test_ones_default_dtype(student):
    _filled_case(student, "ones", 1.0, (3, 2), probes=[probe("default_dtype", "float64")],
                 what=_after_default_float64("ones(3, 2)"))


# ---------------------------------------------------------------------------- randn

KS_ALPHA = 1e-6


def _kolmogorov_sf(lam: float) -> float:
    """P(K > lam) for the Kolmogorov distribution: 2 * sum_k (-1)^(k-1) exp(-2 k^2 lam^2)."""
    if lam <= 0:
        return 1.0
    total = 0.0
    for k in range(1, 101):
        term = math.exp(-2.0 * k * k * lam * lam)
        total += term if k % 2 else -term
        if term < 1e-18:
            break
    return min(1.0, max(0.0, 2.0 * total))


def ks_critical(n: int, alpha: float = KS_ALPHA) -> float:
    """The one-sample KS distance that a sample of n draws exceeds with probability alpha, from the
    Kolmogorov distribution with Stephens' finite-n correction (sqrt(n) + 0.12 + 0.11/sqrt(n))."""
    lo, hi = 0.1, 10.0
    for _i in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _kolmogorov_sf(mid) > alpha else (lo, mid)
    rn = math.sqrt(n)
    return hi / (rn + 0.12 + 0.11 / rn)


def ks_distance(x: torch.Tensor) -> float:
    """D = max_i max(i/n - Phi(x_(i)), Phi(x_(i)) - (i-1)/n) against the standard normal CDF Phi."""
    s, _i = torch.sort(x.detach().double().reshape(-1).cpu())
    n = s.numel()
    cdf = 0.5 * (1.0 + torch.erf(s / math.sqrt(2.0)))
    i = torch.arange(1, n + 1, dtype=torch.float64)
    return float(torch.maximum(i / n - cdf, cdf - (i - 1) / n).max())


def _expect_normal(got: torch.Tensor, what) -> None:
    x = got.detach().double().reshape(-1).cpu()
    checks.expect(bool(torch.isfinite(x).all()), msg("{what} contains NaN or infinite values", what=what),
                  "finite samples of N(0, 1)", "NaN or inf",
                  "torch.empty(...) is not initialised; draw samples into it")
    d, crit = ks_distance(x), ks_critical(x.numel())
    checks.expect(d < crit, msg("{what} does not look like samples of the standard normal distribution N(0, 1)",
                                what=what),
                  msg("a Kolmogorov-Smirnov distance from N(0, 1) below {crit} (mean 0, standard deviation 1)",
                      crit=f"{crit:.4f}"),
                  msg("distance {d} (mean {mean}, standard deviation {std})", d=f"{d:.4f}",
                      mean=f"{x.mean().item():.3f}", std=f"{x.std().item():.3f}"),
                  "torch.rand draws uniform samples on [0, 1); torch.randn draws N(0, 1): no rescaling needed")


def _expect_samples(got, shape, what, hint):
    """Type, shape, dtype and device of a random tensor (its values are judged separately)."""
    if type(got) is not torch.Tensor or tuple(got.shape) != tuple(shape) or got.dtype != torch.float32 \
            or got.device.type != "cpu":
        checks.expect_tensor(got, torch.zeros(shape), what=what, hint=hint)   # names the first wrong rung


def _randn_case(student, shape, seed, *, what=None):
    what = what or msg("{call} with a generator seeded {seed}", call=_call("randn", shape), seed=seed)
    r = student.call("randn", *shape, generator=make("generator", seed),
                     expected=msg("a float32 tensor of shape {shape} drawn from the generator", shape=str(shape)))
    _expect_samples(r.value, shape, what,
                    N_("torch.randn(*shape, generator=generator) gives float32 samples of that shape"))
    return r.value


def _same_seed_same_tensor(student, shape, seed):
    first = _randn_case(student, shape, seed)
    again = _randn_case(student, shape, seed)
    checks.expect_tensor(again, first, rtol=0, atol=0,
                         what=msg("{call} with a second generator seeded {seed}", call=_call("randn", shape),
                                  seed=seed),
                         hint="two generators seeded alike must give the same tensor: draw every sample from "
                              "`generator` (pass generator=generator), not from torch's global generator")
    return first


@check("randn", "the docstring's example: same seed, same tensor", visible=True)
def test_randn_example(student):
    _same_seed_same_tensor(student, (4, 4), 0)


@check("randn", "other shapes and seeds: drawn from the generator")
def test_randn_generator(student):
    a = _same_seed_same_tensor(student, (17,), 5101)
    b = _randn_case(student, (17,), 5102)
    checks.expect(not torch.equal(a, b),
                  msg("{call} gave the same tensor for generators seeded {seed1} and {seed2}", call="randn(17)",
                      seed1=5101, seed2=5102),
                  "different samples for different seeds", "identical tensors",
                  "draw from `generator`; do not seed torch with a fixed number yourself")
    _same_seed_same_tensor(student, (2, 3, 5), 5103)


ADVANCE_HINT = N_("draw from `generator` itself (generator=generator), so that each draw moves it on; a generator "
                  "rebuilt or reseeded from generator.initial_seed(), a saved state put back, or "
                  "torch.manual_seed(...) gives the same numbers on every call")


@check("randn", "two calls with one generator give different samples (it advances)")
def test_randn_generator_advances(student):
    shape, seed = (3, 5), 5301
    pairs = []
    for _attempt in range(2):          # the same seed twice: the same pair of draws
        r = student.call("randn", *shape, generator=make("generator", seed), repeat=2,
                         expected=msg("two float32 tensors of shape {shape}, the second drawn after the first",
                                      shape=str(shape)),
                         hint=ADVANCE_HINT)
        values = r.values if type(r.values) is list and len(r.values) == 2 else [None, None]
        for k, got in enumerate(values):
            _expect_samples(got, shape, msg("{call} (call {k} of 2 with one generator)", call=_call("randn", shape),
                                            k=k + 1), ADVANCE_HINT)
        pairs.append(values)
    first, second = pairs[0]
    checks.expect(not torch.equal(first, second),
                  "randn called twice with the same generator gave the same samples twice: the generator did not "
                  "advance", "new samples on the second call (a generator moves on after every draw)",
                  "the first call's samples again", ADVANCE_HINT)
    for k in range(2):
        checks.expect_tensor(pairs[1][k], pairs[0][k], rtol=0, atol=0,
                             what=msg("{call} (call {k} of 2) with a second generator seeded {seed}",
                                      call=_call("randn", shape), k=k + 1, seed=seed),
                             hint="generators seeded alike must give the same samples, call after call: draw only "
                                  "from `generator`")
    _expect_normal(torch.cat([first.reshape(-1), second.reshape(-1)]),
                   msg("the samples of two {call} calls with one generator", call=_call("randn", shape)))


@check("randn", "10 000 samples from a generator are standard normal")
def test_randn_distribution_generator(student):
    x = _randn_case(student, (50, 200), 5201)
    _expect_normal(x, msg("{call} with a generator", call="randn(50, 200)"))


@check("randn", "10 000 samples without a generator are standard normal")
def test_randn_distribution_default(student):
    shape = (100, 100)
    r = student.call("randn", *shape, expected=_tensor("float32", shape))
    _expect_samples(r.value, shape, code("randn(100, 100)"),
                    N_("torch.randn(*shape) gives float32 samples of that shape"))
    _expect_normal(r.value, code("randn(100, 100)"))
