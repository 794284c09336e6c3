"""Graders for ex04_autograd: derivatives, gradients of sums, vector-Jacobian products.

The functions handed to the student are named with ``make("fn", ...)`` and built in the child from
``torchdrill.sandbox.kit``; the same functions are differentiated here, in the trusted process,
with ``torch.autograd``, so expected values come from the very function the student saw.  Visible
checks are the docstrings' examples; hidden ones use unseen functions (chain rule through sin,
exp, tanh, powers; a matrix-vector product whose Jacobian is not diagonal or not square), seeded
points and vectors, float64 inputs, and inputs that do and do not require grad, looking at
``x.requires_grad`` and ``x.grad`` afterwards (measured in the child: ``.grad`` does not cross).
"""
import random

import torch

from torchdrill.grading import N_, check, checks, code, function, make, msg, probe, wrong

# A derivative computed another correct way (float64 then cast, another order of operations)
# differs from autograd in float32 by a few ulps; a wrong derivative by far more.
RTOL, ATOL = 1e-4, 1e-5


def _fn_label(name, params):
    """The function as code: ``sin_sq(a=0.7)``."""
    return name + ("(" + ", ".join(f"{k}={v}" for k, v in params.items()) + ")" if params else "")


def _f(name, params):
    """``f = sin_sq(a=0.7)``: code, shown as it is."""
    return "f = " + _fn_label(name, params)


def _poly_text(coeffs):
    """[1.5, -2, 0.5] -> '1.5 - 2*x + 0.5*x**2'."""
    text = ""
    for i, c in enumerate(coeffs):
        if c == 0:
            continue
        term = f"{abs(c):g}" + ("" if i == 0 else "*x" if i == 1 else f"*x**{i}")
        text += (" - " if c < 0 else " + ") + term if text else ("-" if c < 0 else "") + term
    return text or "0"


def _rand(seed, shape, dtype=torch.float32, device="cpu", scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(shape, generator=g, dtype=torch.float64) * scale).to(dtype).to(device)


def _expect(got, expected, *, what, hint, dtype_hint, **kw):
    dtype_rung = type(got) is torch.Tensor and tuple(got.shape) == tuple(expected.shape) and got.dtype != expected.dtype
    checks.expect_tensor(got, expected, what=what, hint=dtype_hint if dtype_rung else hint, rtol=RTOL, atol=ATOL, **kw)


# ---------------------------------------------------------------------------- grad_at

GRAD_AT_HINT = N_("x may be an int (the lecture writes grad_at(f, 2)) and an integer tensor cannot require grad: "
                  "make x a float32 0-dim tensor that requires grad (dtype=torch.float32), compute f(x), call "
                  "backward() and return x.grad (a tensor, not .item())")
GRAD_AT_DTYPE_HINT = N_("build x with dtype=torch.float32, so df/dx is float32 too")


def _grad_at_expected(f, x):
    xt = torch.tensor(float(x), dtype=torch.float32, requires_grad=True)
    (g,) = torch.autograd.grad(f(xt), xt)
    return g.detach()


def _grad_at_case(student, name, params, x, expected, label=None):
    """grad_at on the kit function ``name`` at ``x``, against ``expected`` (a 0-dim float32 tensor).
    ``label``: f as code (``f = x**2 + 3*x + 5``)."""
    label = label or _f(name, params)
    r = student.call("grad_at", make("fn", name, **params), x, hint=GRAD_AT_HINT,
                     expected=msg("a 0-dim float32 tensor, df/dx at {x}", x=x))
    _expect(r.value, expected, what=msg("grad_at(f, {x}) for {f}", x=x, f=label),
            device=None, requires_grad=False, hint=GRAD_AT_HINT, dtype_hint=GRAD_AT_DTYPE_HINT)


def _grad_at_unseen(student, name, params, x, label=None):
    _grad_at_case(student, name, params, x, _grad_at_expected(function(name, **params), x), label)


# The lecture's examples with their derivatives worked out by hand (course contract, grad_at's docstring):
# d/dx (x² + 3x + 5) = 2x + 3 = 7 at x = 2; d/dx (3x² + 2) = 6x = 6 at x = 1. Both are exact in float32.
# The points are the integers the lecture writes (grad_at(f, 2)): they are graded as written.
GRAD_AT_EXAMPLES = [({"coeffs": [5.0, 3.0, 1.0]}, 2, 7.0, "f = x**2 + 3*x + 5"),
                    ({"coeffs": [2.0, 0.0, 3.0]}, 1, 6.0, "f = 3*x**2 + 2")]


@check("grad_at", "the lecture's examples: x²+3x+5 at 2, 3x²+2 at 1", visible=True)
def test_grad_at_examples(student):
    for params, x, slope, label in GRAD_AT_EXAMPLES:
        _grad_at_case(student, "poly", params, x, torch.tensor(slope, dtype=torch.float32), label)


@check("grad_at", "the chain rule through unseen functions")
def test_grad_at_chain_rule(student):
    for name, params, x in [("sin_sq", {"a": 0.7}, 1.3), ("cube_chain", {"a": 1.5, "b": -0.5}, 0.4),
                            ("tanh_scale", {"a": 2.0}, -1.1)]:
        _grad_at_unseen(student, name, params, x)


@check("grad_at", "other functions and points")
def test_grad_at_other(student):
    rng = random.Random(4101)
    coeffs = [round(rng.uniform(-3, 3), 3) for _i in range(4)]
    for name, params, x in [("poly", {"coeffs": coeffs}, round(rng.uniform(-2, 2), 4)),
                            ("exp_mix", {"a": 0.3, "b": -1.0}, -0.8), ("log_sum_sq", {}, 2.5)]:
        label = f"f = {_poly_text(coeffs)}" if name == "poly" else None
        _grad_at_unseen(student, name, params, x, label)


AUTOGRAD_HINT = N_("this f has a kink at x, or a part cut off the graph with detach(), so a difference quotient "
                   "(f(x + h) - f(x - h)) / 2h gives another number than autograd does: make x a float32 tensor that "
                   "requires grad, compute f(x) and let backward() (or torch.autograd.grad) give the derivative")
#: (function, its parameters, the point): autograd's answer is defined there and differs from any finite difference
AUTOGRAD_CASES = [("relu_kink", {"a": 2.0, "b": 0.5, "k": 1.0, "c": 0.25}, 1),
                  ("relu_kink", {"a": -1.0, "b": 3.0, "k": -2.0, "c": 0.5}, -2),
                  ("straight_through", {"a": 1.5}, 0.3)]


@check("grad_at", "autograd's derivative where finite differences give another (a kink, detach)")
def test_grad_at_autograd(student):
    for name, params, x in AUTOGRAD_CASES:
        expected = _grad_at_expected(function(name, **params), x)
        r = student.call("grad_at", make("fn", name, **params), x, hint=AUTOGRAD_HINT,
                         expected=msg("a 0-dim float32 tensor, df/dx at {x}", x=x))
        _expect(r.value, expected, what=msg("grad_at(f, {x}) for {f}", x=x, f=_f(name, params)),
                device=None, requires_grad=False, hint=AUTOGRAD_HINT, dtype_hint=GRAD_AT_DTYPE_HINT)


# ---------------------------------------------------------------------------- grad_of_sum

SUM_HINT = N_("xs may hold ints (the lecture writes [1, 2, 3]) and an integer tensor cannot require grad: make one "
              "float32 tensor of all of xs (dtype=torch.float32) that requires grad, reduce f of it with sum() (not "
              "mean()), call backward() once and return the tensor's .grad")
SUM_DTYPE_HINT = N_("build x with dtype=torch.float32, so the gradient is float32 too")


def _sum_expected(f, xs):
    x = torch.tensor(xs, dtype=torch.float32, requires_grad=True)
    (g,) = torch.autograd.grad(f(x).sum(), x)
    return g.detach()


def _vector(n):
    return msg("a {dtype} tensor of shape {shape}", dtype="float32", shape=f"({n},)")


def _sum_case(student, name, params, xs, expected, label=None):
    """``label``: f as code (``f = 2*x**2 + 3*x``) or as a description (a msg)."""
    label = label or _f(name, params)
    r = student.call("grad_of_sum", make("fn", name, **params), xs, expected=_vector(len(xs)), hint=SUM_HINT)
    _expect(r.value, expected, what=msg("grad_of_sum(f, xs) for {f} and {n} points", f=label, n=len(xs)),
            device=None, hint=SUM_HINT, dtype_hint=SUM_DTYPE_HINT)


def _points(seed, n):
    rng = random.Random(seed)
    return [round(rng.uniform(-2, 2), 5) for _i in range(n)]


@check("grad_of_sum", "the lecture's example: 2x²+3x at [1, 2, 3]", visible=True)
def test_grad_of_sum_example(student):
    # d/dx (2x² + 3x) = 4x + 3 at 1, 2, 3 (the lecture's numbers)
    _sum_case(student, "poly", {"coeffs": [0.0, 3.0, 2.0]}, [1, 2, 3], torch.tensor([7.0, 11.0, 15.0]),
              "f = 2*x**2 + 3*x")


@check("grad_of_sum", "unseen element-wise functions at unseen points", weight=2)
def test_grad_of_sum_elementwise(student):
    for i, (name, params, n) in enumerate([("sin_sq", {"a": 0.9}, 6), ("exp_mix", {"a": -0.4, "b": 0.5}, 4),
                                           ("tanh_scale", {"a": 1.2}, 5), ("cube_chain", {"a": 0.5, "b": 2.0}, 1)]):
        xs = _points(4201 + i, n)
        _sum_case(student, name, params, xs, _sum_expected(function(name, **params), xs))


@check("grad_of_sum", "a function that mixes the entries (f(x) = A @ x)")
def test_grad_of_sum_matvec(student):
    A = _rand(4301, (4, 4), scale=1.5)
    xs = _points(4302, 4)
    _sum_case(student, "matvec", {"A": A}, xs, _sum_expected(function("matvec", A=A), xs),
              msg("f(x) = A @ x with a random {m}x{n} matrix A", m=4, n=4))


@check("grad_of_sum", "integer points, and autograd where finite differences differ")
def test_grad_of_sum_autograd(student):
    for name, params, xs in [("relu_kink", {"a": 2.0, "b": 0.5, "k": 1.0, "c": 0.25}, [1, 2, -1, 0]),
                             ("straight_through", {"a": -0.5}, [0.3, -1.2, 2, 0.75])]:
        r = student.call("grad_of_sum", make("fn", name, **params), xs, expected=_vector(len(xs)), hint=AUTOGRAD_HINT)
        _expect(r.value, _sum_expected(function(name, **params), xs),
                what=msg("grad_of_sum(f, {xs}) for {f}", xs=str(xs), f=_f(name, params)),
                device=None, hint=AUTOGRAD_HINT, dtype_hint=SUM_DTYPE_HINT)


# ---------------------------------------------------------------------------- vjp

VJP_HINT = N_("torch.autograd.grad(outputs=f(x), inputs=x, grad_outputs=v) on a copy of x that requires grad "
              "(x.detach().requires_grad_()) returns a tuple: return its only element")


def _vjp_expected(f, x, v):
    xx = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(f(xx), xx, grad_outputs=v)
    return g.detach()


def _vjp_case(student, name, params, x, v, expected, *, arg=None, label=None, probes=()):
    """``label``: f (and x) as code (``f(x) = x * x``) or as a description (a msg)."""
    label = label or _f(name, params)
    shape = str(tuple(x.shape))
    r = student.call("vjp", make("fn", name, **params), x if arg is None else arg, v, hint=VJP_HINT,
                     expected=msg("a tensor of shape {shape} (vᵀ·J)", shape=shape), probes=list(probes))
    got = r.value
    if type(got) is tuple:
        raise wrong(msg("{what} should be a {kind}.", what=msg("vjp(f, x, v) for {f}", f=label), kind="torch.Tensor"),
                    code("torch.Tensor"), checks.describe(got),
                    "torch.autograd.grad returns a tuple with one gradient per input: take element [0]")
    _expect(got, expected, what=msg("vjp(f, x, v) for {f}, x of shape {shape}", f=label, shape=shape), hint=VJP_HINT,
            dtype_hint="the product has x's dtype: do not rebuild x as float32")
    return r


def _expect_x_untouched(r, x, *, requires_grad, grad):
    checks.expect_unchanged(r.args[1], x, what="the caller's x")
    facts = r.probes["facts"]
    checks.expect(facts is not None and facts["requires_grad"] == requires_grad,
                  "vjp changed x.requires_grad: the caller's x must be left as it was",
                  code(f"x.requires_grad={requires_grad}"), code(f"x.requires_grad={not requires_grad}"),
                  "requires_grad_() on x changes the caller's tensor: use a copy, x.detach().requires_grad_()")
    after = facts["grad"]
    same = (after is None and grad is None) or (type(after) is torch.Tensor and grad is not None
                                                and after.shape == grad.shape and torch.equal(after.cpu(), grad.cpu()))
    checks.expect(same, "vjp changed x.grad: the caller's x must be left as it was",
                  msg("x.grad as it was (None)") if grad is None else msg("x.grad as it was"),
                  code("None") if after is None else (msg("a tensor") if grad is None
                                                      else msg("a different tensor (backward() adds into it)")),
                  "backward() on f(x) adds into x.grad; torch.autograd.grad(...) returns the product without "
                  "touching .grad, and a detached copy of x keeps the caller's x out of it")


@check("vjp", "the lecture's example: f = x·x at [1, 2], v = [1, 1]", visible=True)
def test_vjp_example(student, device):
    x = torch.tensor([1.0, 2.0], device=device)
    v = torch.tensor([1.0, 1.0], device=device)
    # vᵀJ of x·x is 2x·v = [2, 4] at x = [1, 2], v = [1, 1] (the lecture's numbers)
    r = _vjp_case(student, "square", {}, x, v, torch.tensor([2.0, 4.0], device=device), label=code("f(x) = x * x"),
                  probes=[probe("facts", 1)])
    _expect_x_untouched(r, x, requires_grad=False, grad=None)


def _vjp_unseen(student, name, params, x, v, **kw):
    return _vjp_case(student, name, params, x, v, _vjp_expected(function(name, **params), x, v), **kw)


@check("vjp", "unseen functions, shapes and vectors v", weight=1.5)
def test_vjp_unseen(student, device):
    cases = [("sin_sq", {"a": 0.8}, (5,), torch.float32), ("exp_mix", {"a": 0.3, "b": -1.0}, (2, 3), torch.float32),
             ("tanh_scale", {"a": 1.7}, (4,), torch.float64)]
    for i, (name, params, shape, dtype) in enumerate(cases):
        x = _rand(4401 + 2 * i, shape, dtype, device)
        v = _rand(4402 + 2 * i, shape, dtype, device)
        _vjp_unseen(student, name, params, x, v)


@check("vjp", "a Jacobian that is not diagonal: f(x) = A @ x", weight=1.5)
def test_vjp_matvec(student, device):
    for i, (m, n) in enumerate([(3, 4), (4, 4)]):
        A = _rand(4501 + 3 * i, (m, n), scale=1.5)
        x = _rand(4502 + 3 * i, (n,), device=device)
        v = _rand(4503 + 3 * i, (m,), device=device)
        _vjp_unseen(student, "matvec", {"A": A}, x, v,
                    label=msg("f(x) = A @ x with a random {m}x{n} matrix A", m=m, n=n))


@check("vjp", "the caller's x keeps its requires_grad and its grad")
def test_vjp_x_untouched(student, device):
    x = _rand(4601, (3,), device=device)
    v = _rand(4602, (3,), device=device)
    r = _vjp_unseen(student, "cube_chain", {"a": 1.2, "b": 0.3}, x, v, arg=make("leaf", x),
                  label=msg("f = {f} and an x that requires grad", f="cube_chain"), probes=[probe("facts", 1)])
    _expect_x_untouched(r, x, requires_grad=True, grad=None)
    g = _rand(4603, (3,), device=device)
    r = _vjp_unseen(student, "sin_sq", {"a": 1.1}, x, v, arg=make("leaf", x, grad=g),
                  label=msg("f = {f} and an x that requires grad and already holds a gradient", f="sin_sq"),
                  probes=[probe("facts", 1)])
    _expect_x_untouched(r, x, requires_grad=True, grad=g)
    r = _vjp_unseen(student, "exp_mix", {"a": 0.5, "b": 0.2}, x, v, label=msg("f = {f} and a plain x", f="exp_mix"),
                  probes=[probe("facts", 1)])
    _expect_x_untouched(r, x, requires_grad=False, grad=None)
