"""Graders for ex05_no_grad: no_grad vs detach.

Visible checks mirror the lecture's example; hidden ones use functions and shapes the student
has not seen, inputs that do and do not require grad, and look at ``x.grad`` afterwards.
``f`` reaches the student wrapped in a spy (``make("spy", ...)``) that logs, at every call, whether
the output carries a graph: computing ``f(x)`` with recording on and detaching afterwards gives
the right value but fails, and so does detaching only ``x`` when ``f`` owns a weight that requires
grad (``learned_scale``, like a model).  ``detach`` must leave ``y`` in its graph (no ``detach_()``).
"""
import torch

from torchdrill.grading import check, checks, function, make, msg, probe


def _points(seed, shape, device):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(shape, generator=g) * 2).to(device)


def _spied(name, **params):
    """A test function the child wraps so that every call logs whether a graph was recorded."""
    return make("spy", make("fn", name, **params))


def _expect_no_graph(log, what="f(x)"):
    """Judge the spy's log: f was called, and no call recorded a graph."""
    checks.expect(type(log) is list and len(log) > 0,
                  msg("eval_no_grad never called f, so {what} was not computed", what=what),
                  "f(x) called (once)", "no call to f", "compute f(x) inside a torch.no_grad() block and return it")
    bad = [i for i, e in enumerate(log) if e.get("graph")]
    checks.expect(
        not bad,
        msg("{what} was computed with gradient recording on, so the graph was built anyway "
            "(detaching afterwards only cuts off a graph that already exists)", what=what),
        "f(x) evaluated inside torch.no_grad(): no graph recorded",
        "f(x) evaluated with torch.is_grad_enabled() == True: its result had a grad_fn",
        "put the call itself inside a torch.no_grad() block; .detach() on the result (or on x) does not stop "
        "recording, it only hides the graph after time and memory were spent on it")


# ---------------------------------------------------------------------------- eval_no_grad

@check("eval_no_grad", "the lecture's example: value, no grad", visible=True)
def test_eval_no_grad_example(student, device):
    x = torch.tensor(5.0, device=device)
    r = student.call("eval_no_grad", _spied("poly", coeffs=[0.0, 3.0, 1.0]), make("leaf", x),
                     probes=[probe("facts_of", "result", 1), probe("spy", 0)])
    checks.expect_tensor(r.value, torch.tensor(40.0, device=device), what="eval_no_grad(f, x)", requires_grad=False)
    out, x_after = r.probes["facts_of"]["result"], r.probes["facts_of"]["1"]
    checks.expect(out is None or not out["has_grad_fn"], "the result still has a grad_fn", "grad_fn=None", "a grad_fn")
    _expect_no_graph(r.probes["spy"])
    checks.expect(x_after is not None and x_after["requires_grad"] and x_after["grad"] is None,
                  "x was changed: it must still require grad and x.grad must stay None",
                  "x.requires_grad=True, x.grad=None", "x changed",
                  "do not call backward() or requires_grad_(False) on x; only compute under torch.no_grad()")


@check("eval_no_grad", "no graph for unseen functions and shapes")
def test_eval_no_grad_hidden(student, device):
    for i, (name, params, shape) in enumerate([("sin_sq", {"a": 0.7}, (5,)), ("exp_mix", {"a": 0.3, "b": -1.0}, (2, 3)),
                                               ("tanh_scale", {"a": 2.0}, (4, 1, 2))]):
        x = _points(100 + i, shape, device)
        f = function(name, **params)
        r = student.call("eval_no_grad", _spied(name, **params), make("leaf", x),
                         probes=[probe("facts", 1), probe("spy", 0)])
        _expect_no_graph(r.probes["spy"], what=msg("{call} for x of shape {shape}", call="f(x)", shape=str(shape)))
        checks.expect_tensor(r.value, f(x), what=msg("{call} for x of shape {shape}", call="eval_no_grad(f, x)",
                                                      shape=str(shape)), requires_grad=False)
        x_after = r.probes["facts"]
        checks.expect(x_after is not None and x_after["requires_grad"] and x_after["grad"] is None,
                      "x was changed: it must still require grad and x.grad must stay None",
                      "x.requires_grad=True, x.grad=None", "x changed",
                      "do not call backward() or requires_grad_(False) on x; only compute under torch.no_grad()")


@check("eval_no_grad", "works when x does not require grad")
def test_eval_no_grad_plain_input(student, device):
    x = _points(7, (3,), device)
    r = student.call("eval_no_grad", make("fn", "cube_chain", a=1.5, b=-0.5), x)
    checks.expect_tensor(r.value, function("cube_chain", a=1.5, b=-0.5)(x), what="eval_no_grad(f, x)",
                         requires_grad=False)
    checks.expect_unchanged(r.args[1], x, what="x")


@check("eval_no_grad", "f with its own weight (like a model): no graph")
def test_eval_no_grad_owned_weight(student, device):
    # f owns a weight that requires grad, as a model does: detaching x is not enough.
    for i, (a, b, shape) in enumerate([(1.5, 0.5, (4,)), (-0.8, 2.0, (2, 2))]):
        x = _points(40 + i, shape, device)
        r = student.call("eval_no_grad", _spied("learned_scale", a=a, b=b), x if i else make("leaf", x),
                         probes=[probe("spy", 0)])
        _expect_no_graph(r.probes["spy"], what=msg("f(x) (an f with a weight that requires grad, like a model)"))
        checks.expect_tensor(r.value, function("learned_scale", a=a, b=b)(x),
                             what=msg("{call} for x of shape {shape}", call="eval_no_grad(f, x)", shape=str(shape)),
                             requires_grad=False,
                             hint="f has its own weight that requires grad (as a model does), so detaching x is not "
                                  "enough: compute f(x) inside a torch.no_grad() block")


def _expect_recording_restored(mode):
    """``probe("grad_mode")``: gradient recording is back on once the call is over (it was on before)."""
    checks.expect(type(mode) is dict and mode.get("grad_enabled") is True and mode.get("inference_mode") is False,
                  "eval_no_grad switched gradient recording off and left it off after returning",
                  "recording back on after the call (torch.is_grad_enabled() == True), as it was before",
                  "torch.is_grad_enabled() == False after the call",
                  "torch.set_grad_enabled(False) or torch.no_grad().__enter__() as a statement switches recording off "
                  "for the rest of the program, so the caller's training records nothing; use torch.no_grad() as a "
                  "context manager around the call (a with block), which puts the previous mode back")


@check("eval_no_grad", "gradient recording is back on after the call")
def test_eval_no_grad_restores_recording(student, device):
    x = _points(60, (3,), device)
    r = student.call("eval_no_grad", make("fn", "sin_sq", a=0.6), make("leaf", x), probes=[probe("grad_mode")],
                     expected="f(x) computed without a graph, with recording back on afterwards")
    checks.expect_tensor(r.value, function("sin_sq", a=0.6)(x), what="eval_no_grad(f, x)", requires_grad=False)
    _expect_recording_restored(r.probes["grad_mode"])


# ---------------------------------------------------------------------------- detach

@check("detach", "same values, no grad, no grad_fn", visible=True)
def test_detach_example(student, device):
    x = torch.tensor([5.0], device=device)
    r = student.call("detach", make("nonleaf", x, scale=1.0, shift=0.0), probes=[probe("facts", "result")])
    checks.expect_tensor(r.value, x.clone(), what="detach(y)", requires_grad=False)
    facts = r.probes["facts"]
    checks.expect(facts is not None and not facts["has_grad_fn"], "detach(y) still has a grad_fn",
                  "grad_fn=None", "a grad_fn", "use y.detach(): it cuts the tensor off the graph")


@check("detach", "shares memory with y (no copy), y left as it was", weight=2)
def test_detach_shares(student, device):
    for seed, shape in [(11, (4,)), (12, (2, 3)), (13, (3, 1, 2))]:
        base = _points(seed, shape, device)
        r = student.call("detach", make("nonleaf", base, scale=3.0, shift=-1.0),
                         probes=[probe("facts_of", "result", 0)])
        checks.expect_tensor(r.value, base * 3.0 - 1.0,
                             what=msg("{call} for y of shape {shape}", call="detach(y)", shape=str(shape)),
                             requires_grad=False,
                             shares_with=r.args[0],
                             share_hint="detach() returns a tensor on the same memory; clone() or torch.tensor() copy")
        out, y_after = r.probes["facts_of"]["result"], r.probes["facts_of"]["0"]
        checks.expect(not out["has_grad_fn"], "detach(y) still has a grad_fn", "grad_fn=None", "a grad_fn")
        checks.expect(y_after is not None and y_after["requires_grad"] and y_after["has_grad_fn"],
                      "y itself was cut off its graph: the caller's y no longer requires grad",
                      "y unchanged (still in the graph, requires_grad=True)", "y.requires_grad=False, no grad_fn",
                      "detach_() (with the underscore) works in place on the caller's tensor; detach() returns a new "
                      "tensor on the same memory and leaves y alone")
        checks.expect_unchanged(r.args[0], base * 3.0 - 1.0, what="y")


@check("detach", "a leaf y is left requiring grad", weight=1)
def test_detach_leaf_untouched(student, device):
    y = _points(21, (5,), device)
    r = student.call("detach", make("leaf", y), probes=[probe("facts", 0)])
    checks.expect_tensor(r.value, y, what="detach(y)", requires_grad=False, shares_with=r.args[0])
    checks.expect(r.probes["facts"]["requires_grad"], "y itself no longer requires grad",
                  "y.requires_grad=True", "y.requires_grad=False",
                  "requires_grad_(False) and detach_() change the caller's tensor; detach() makes a new one")
