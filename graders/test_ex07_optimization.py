"""Graders for ex07_optimization: the loss, one gradient-descent step, the training loop.

Hidden checks take their expected values from the reference solution run in the trusted process on
the same inputs.  The visible checks (the lecture's example: x = [1, 2, 3], y = [2, 4, 6], w0 = 1)
compare with numbers recorded once from the reference in float32, so students can run them without
the solutions.
``train_step`` and ``train`` are graded on their own: the child gets the reference ``loss_fn``
(and, for ``train``, the reference ``train_step``, recorded call by call), so a mistake in one
stub costs only its own points.  A converged weight is not enough: ``train``'s trajectory (the ``w``
and ``lr`` it hands to ``train_step`` at every epoch) must match the reference run.
"""
import math

import torch

from torchdrill.grading import N_, StudentProblem, check, checks, code, make, msg, probe, wrong
from torchdrill.results import Outcome
from torchdrill.sandbox import wire

SEED_X, SEED_Y = [1.0, 2.0, 3.0], [2.0, 4.0, 6.0]


def _data(seed, shape, device, dtype=torch.float32, slope=2.5, noise=0.3):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=g, dtype=torch.float64)
    y = slope * x + noise * torch.randn(shape, generator=g, dtype=torch.float64)
    return x.to(dtype).to(device), y.to(dtype).to(device)


def _f(t):
    return float(t.detach().cpu().double().reshape(()).item()) if t.numel() == 1 else None


# ---------------------------------------------------------------------------- loss_fn

#: the usual wrong losses, each with the hint that names it (first match wins)
LOSS_MISTAKES = (
    ("sum", N_("this is the sum of the squared errors; the mean divides it by the number of elements")),
    ("len", N_("divided by len(y_pred) (the first dimension only); the mean is over all elements (numel())")),
    ("n-1", N_("divided by n - 1; the mean divides by n")),
    ("abs", N_("this is the mean absolute error; square the differences instead")),
    ("unsquared", N_("the differences were averaged without squaring them")),
    ("squared mean", N_("the mean was squared; square each difference first, then take the mean")),
    ("root", N_("this is the root of the mean squared error; do not take the square root")),
)


def _loss_mistakes(y_pred, y_true) -> dict:
    """What each usual mistake gives on these inputs (name in LOSS_MISTAKES -> value, None if not told apart)."""
    d = (y_pred.detach() - y_true.detach()).double().cpu()
    n = d.numel()
    return {
        "sum": (d ** 2).sum().item(),
        "len": (d ** 2).sum().item() / len(d) if d.dim() else None,
        "n-1": (d ** 2).sum().item() / max(n - 1, 1) if n > 1 else None,
        "abs": d.abs().mean().item(),
        "unsquared": d.mean().item(),
        "squared mean": d.mean().item() ** 2,
        "root": math.sqrt((d ** 2).mean().item()),
    }


MODULE_HINT = N_("this is the loss module itself, not a loss: an nn.MSELoss() has to be called on the inputs, "
                 "criterion(y_pred, y_true), and the tensor it gives returned")
NUMPY_HINT = N_("numpy functions give a numpy number, cut off from the graph, and only work on CPU tensors: "
                "compute the loss with torch operations on y_pred and y_true")


def _loss_hint(got, mistakes):
    """Name the mistake when the returned number is one of ``mistakes`` (as _loss_mistakes gives them)."""
    if isinstance(got, wire.Opaque) and got.type_name.startswith("torch.nn.modules.loss."):
        return MODULE_HINT
    if isinstance(got, (wire.NPScalar, wire.NDArray)):
        return NUMPY_HINT
    if type(got) is not torch.Tensor or got.numel() != 1 or not got.dtype.is_floating_point:
        return ""
    v = _f(got)
    for name, hint in LOSS_MISTAKES:
        value = mistakes.get(name)
        if value is not None and math.isclose(v, value, rel_tol=1e-4, abs_tol=1e-6):
            return hint
    return ""


def _expect_loss(got, expected, mistakes, what):
    checks.expect_tensor(got, expected, what=what, hint=_loss_hint(got, mistakes))


# The lecture's example, recorded once from the reference in float32 (course contract, loss_fn's docstring:
# tensor(4.6667)): x = [1, 2, 3] against y = [2, 4, 6], differences -1, -2, -3, squares 1, 4, 9.
LOSS_EXAMPLE = 4.666666507720947
# ... and what the usual mistakes give there ("len" is the right value on 1-D inputs: not told apart).
LOSS_EXAMPLE_MISTAKES = {"sum": 14.0, "n-1": 7.0, "abs": 2.0, "unsquared": -2.0, "squared mean": 4.0,
                         "root": 2.160246899469287}


@check("loss_fn", "the lecture's example: 0-dim tensor 4.6667", visible=True)
def test_loss_example(student, device):
    y_pred, y_true = torch.tensor(SEED_X, device=device), torch.tensor(SEED_Y, device=device)
    r = student.call("loss_fn", y_pred, y_true)
    _expect_loss(r.value, torch.tensor(LOSS_EXAMPLE, device=device), LOSS_EXAMPLE_MISTAKES,
                 code("loss_fn(y_pred, y_true)"))


@check("loss_fn", "mean over all elements of 2-D and 3-D inputs")
def test_loss_all_elements(student, reference, device):
    for seed, shape in [(1, (3, 4)), (2, (2, 3, 2)), (3, (5, 1))]:
        y_pred, y_true = _data(seed, shape, device)
        r = student.call("loss_fn", y_pred, y_true)
        _expect_loss(r.value, reference.loss_fn(y_pred, y_true), _loss_mistakes(y_pred, y_true),
                     msg("{call} for inputs of shape {shape}", call="loss_fn(y_pred, y_true)", shape=str(shape)))
        checks.expect_unchanged(r.args[0], y_pred, what="y_pred")
        checks.expect_unchanged(r.args[1], y_true, what="y_true")


@check("loss_fn", "differentiable: gradient 2(y_pred − y_true)/n", weight=1.5)
def test_loss_gradient(student, reference, device):
    for seed, shape in [(4, (6,)), (5, (2, 5))]:
        y_pred, y_true = _data(seed, shape, device)
        leaf = y_pred.clone().requires_grad_(True)
        expected = reference.loss_fn(leaf, y_true)
        expected.backward()
        r = student.call("loss_fn", make("leaf", y_pred), y_true, probes=[probe("backward", 0)])
        what = msg("{call} for y_pred of shape {shape} that requires grad", call="loss_fn(y_pred, y_true)",
                   shape=str(shape))
        checks.expect_tensor(r.value, expected.detach(), what=what, requires_grad=True,
                             hint=_loss_hint(r.value, _loss_mistakes(y_pred, y_true)))
        b = r.probes["backward"]
        checks.expect(b["grad_before"] is None, "loss_fn called backward() itself: y_pred.grad was already set",
                      "y_pred.grad None until the caller calls backward()", "y_pred.grad set inside loss_fn",
                      "loss_fn only computes the loss; the training step calls backward() on it")
        checks.expect(b["error"] is None, "backward() on the returned loss failed",
                      "loss.backward() computes y_pred.grad", code(str(b["error"])),
                      "build the loss from y_pred with torch operations only, so the graph reaches y_pred "
                      "(no .item(), float(), .detach() or torch.tensor(...) on the way)")
        checks.expect(b["grad"] is not None, "backward() on the returned loss did not reach y_pred",
                      "y_pred.grad = 2 * (y_pred - y_true) / n", "y_pred.grad is None",
                      "the loss was rebuilt from numbers, so it is cut off from y_pred: compute it from y_pred itself")
        checks.expect_tensor(b["grad"], leaf.grad, what="y_pred.grad after backward() on the loss",
                             hint="d/dy_pred of mean((y_pred - y_true)**2) is 2 * (y_pred - y_true) / n")


@check("loss_fn", "float64 inputs give a float64 loss", weight=0.5)
def test_loss_float64(student, reference, device):
    y_pred, y_true = _data(6, (4, 2), device, dtype=torch.float64)
    r = student.call("loss_fn", y_pred, y_true)
    _expect_loss(r.value, reference.loss_fn(y_pred, y_true), _loss_mistakes(y_pred, y_true),
                 msg("{call} for float64 inputs", call="loss_fn(y_pred, y_true)"))


META_HINT = N_("the inputs were on the 'meta' device, and the loss must be computed where they are: torch operations "
               "on y_pred and y_true do that; .cpu(), .numpy(), numpy functions and torch.tensor(...) of numbers take "
               "the data to the CPU, or fail where it cannot go")


@check("loss_fn", "inputs on another device (meta): the loss stays there", weight=0.5)
def test_loss_meta(student, reference, device):
    for shape, dtype in [((5,), torch.float32), ((2, 3), torch.float64)]:
        y_pred, y_true = torch.empty(shape, dtype=dtype, device="meta"), torch.empty(shape, dtype=dtype, device="meta")
        what = msg("{call} for inputs of shape {shape} on the meta device", call="loss_fn(y_pred, y_true)",
                   shape=str(shape))
        try:
            r = student.call("loss_fn", y_pred, y_true, expected="a 0-dim tensor on the meta device", hint=META_HINT)
        except StudentProblem as problem:
            if problem.outcome is not Outcome.NOT_IMPLEMENTED:
                raise
            # not implemented at all: that message stands
            student.call("loss_fn", *_data(7, shape, "cpu", dtype=dtype))
            raise wrong("the code tried to copy the data of tensors on the meta device (to the CPU, into a list or "
                        "numpy), but the result must be computed on the device the inputs are on",
                        "a 0-dim tensor on the meta device",
                        msg("{error} (a meta tensor has no data to copy)",
                            error="NotImplementedError: Cannot copy out of meta tensor"),
                        META_HINT) from None
        hint = "" if type(r.value) is torch.Tensor else _loss_hint(r.value, {})    # meta values cannot be read
        checks.expect_tensor(r.value, reference.loss_fn(y_pred, y_true), what=what, hint=hint, device_hint=META_HINT)


# ---------------------------------------------------------------------------- train_step

def _reference_steps(reference, w0, x, y, lr, steps=1):
    """Run the reference train_step ``steps`` times: losses, w after, and each step's gradient."""
    w = torch.tensor(w0, dtype=x.dtype, device=x.device, requires_grad=True)
    grads = []
    w.register_post_accumulate_grad_hook(lambda p: grads.append(p.grad.detach().clone()))
    losses = [reference.train_step(w, x, y, lr) for _ in range(steps)]
    return losses, w.detach().clone(), grads


def _w_hint(w_after, w0, grad, lr):
    """Why the updated w is off, judged from the step it actually took (``grad``: the gradient at w0)."""
    if type(w_after) is not torch.Tensor or w_after.numel() != 1:
        return ""
    got, start = _f(w_after), float(w0)
    if math.isclose(got, start, rel_tol=1e-7, abs_tol=1e-9):
        return N_("w did not change: subtract lr times w.grad from w in place, inside torch.no_grad(); w = w - ... "
                  "makes a new tensor that the caller never sees, and resetting the gradient before the update makes "
                  "the step 0")
    if grad and abs(grad) > 1e-6:
        used = (start - got) / grad
        if math.isclose(used, -lr, rel_tol=1e-3):
            return N_("w moved uphill: subtract lr * w.grad (gradient descent), do not add it")
        if not math.isclose(used, lr, rel_tol=1e-3):
            return msg("the step taken was {used} × gradient, but the learning rate is {lr}: "
                       "use the lr argument, not a fixed number", used=format(used, ".4g"), lr=format(lr, "g"))
    return ""


def _step_checks(r, w0, x, y, lr, what, *, loss, w_after, grad, loss_after):
    """One train_step call against the expected numbers: ``loss`` (before the update), ``w_after`` (a
    tensor), ``grad`` (the gradient at w0) and ``loss_after`` (the loss at w_after, for the hint)."""
    # loss before the update
    hint = ""
    if (type(r.value) is float and math.isclose(r.value, loss_after, rel_tol=1e-5)
            and not math.isclose(loss_after, loss, rel_tol=1e-5)):
        hint = N_("this is the loss after the update; return the loss computed before it (loss.item())")
    checks.expect_float(r.value, loss, what=msg("the loss returned by {call}", call=what), hint=hint)
    # w updated in place
    checks.expect_tensor(r.args[0], w_after, what=msg("w after {call}", call=what), requires_grad=True,
                         hint=_w_hint(r.args[0], w0, grad, lr))
    checks.expect_unchanged(r.args[1], x, what="x")
    checks.expect_unchanged(r.args[2], y, what="y_true")


def _reference_step_checks(r, reference, w0, x, y, lr, what):
    losses, w_ref, grads = _reference_steps(reference, w0, x, y, lr)
    _step_checks(r, w0, x, y, lr, what, loss=losses[0], w_after=w_ref, grad=_f(grads[0]),
                 loss_after=reference.loss_fn(w_ref * x, y).item())


def _expect_reset(facts, what):
    checks.expect(facts is not None and facts["is_leaf"] and facts["requires_grad"],
                  msg("after {call}, w is no longer a leaf tensor that requires grad", call=what),
                  "w.is_leaf=True, w.requires_grad=True", "w changed its kind",
                  "update w in place inside torch.no_grad() and leave its requires_grad alone")
    g = facts["grad"]
    checks.expect(g is None or (type(g) is torch.Tensor and not bool(g.detach().cpu().ne(0).any())),
                  msg("after {call}, w.grad still holds a gradient", call=what),
                  "w.grad zero or None",
                  msg("w.grad = {value}", value=format(_f(g), ".6g")) if type(g) is torch.Tensor and g.numel() == 1
                  else "a gradient",
                  "reset the gradient after the update (w.grad.zero_() or w.grad = None), so that the next backward() "
                  "does not add to an old gradient")


# The lecture's step, recorded once from the reference in float32 (course contract, train_step's docstring):
# w0 = 1 on x = [1, 2, 3], y = [2, 4, 6], lr = 0.01. The loss before the update is 14/3; the gradient
# 2·mean((w0·x − y)·x) = −28/3; w after = 1 + 0.01 · 28/3 ≈ 1.0933; the loss at that w is kept for the hint
# that recognises the loss after the update.
STEP_EXAMPLE = {"loss": 4.666666507720947, "w_after": 1.09333336353302, "grad": -9.333333969116211,
                "loss_after": 3.836207151412964}


@check("train_step", "the lecture's example: loss 4.6667, w → 1.0933", visible=True)
def test_step_example(student, device):
    x, y = torch.tensor(SEED_X, device=device), torch.tensor(SEED_Y, device=device)
    w0 = torch.tensor(1.0, device=device)
    r = student.call("train_step", make("leaf", w0), x, y, 0.01, callees=["loss_fn"], probes=[probe("facts", 0)])
    _step_checks(r, 1.0, x, y, 0.01, code("train_step(w, x, y_true, lr=0.01)"),
                 loss=STEP_EXAMPLE["loss"], w_after=torch.tensor(STEP_EXAMPLE["w_after"], device=device),
                 grad=STEP_EXAMPLE["grad"], loss_after=STEP_EXAMPLE["loss_after"])
    _expect_reset(r.probes["facts"], code("train_step"))


@check("train_step", "w -= lr × gradient in place, for other data and learning rates", weight=1.5)
def test_step_update(student, reference, device):
    cases = [(11, (5,), torch.float32, -0.7, 0.05), (12, (2, 3), torch.float32, 2.2, 0.003),
             (13, (4,), torch.float64, 0.4, 0.2)]
    for seed, shape, dtype, w0, lr in cases:
        x, y = _data(seed, shape, device, dtype=dtype)
        r = student.call("train_step", make("leaf", torch.tensor(w0, dtype=dtype, device=device)), x, y, lr,
                         callees=["loss_fn"])
        _reference_step_checks(r, reference, w0, x, y, lr,
                               msg("train_step(w={w0}, x of shape {shape} {dtype}, lr={lr})", w0=w0,
                                   shape=str(shape), dtype=str(dtype)[6:], lr=lr))


@check("train_step", "afterwards w is a leaf with its gradient reset")
def test_step_reset(student, reference, device):
    x, y = _data(21, (6,), device)
    for grad in (None, torch.zeros((), device=device)):
        w0 = torch.tensor(1.7, device=device)
        r = student.call("train_step", make("leaf", w0, grad=grad), x, y, 0.02, callees=["loss_fn"],
                         probes=[probe("facts", 0)])
        _expect_reset(r.probes["facts"], msg("train_step (w arrived with a zero gradient)") if grad is not None
                      else code("train_step"))
        _reference_step_checks(r, reference, 1.7, x, y, 0.02, code("train_step"))


@check("train_step", "three steps in a row: a fresh gradient each step", weight=1.5)
def test_step_three(student, reference, device):
    x, y = _data(31, (5,), device, slope=-1.5)
    w0, lr = 0.5, 0.1
    losses, w_ref, _grads = _reference_steps(reference, w0, x, y, lr, steps=3)
    r = student.call("train_step", make("leaf", torch.tensor(w0, device=device)), x, y, lr, callees=["loss_fn"],
                     repeat=3, probes=[probe("step_hook", 0)])
    # Each step's gradient, as w.grad holds it after the step's last backward() (several backward() calls on
    # parts of the batch add up to it), must be the gradient at the current w alone (recomputed here from the
    # w seen at that moment), not that plus an old one.
    entries = [e for e in (r.probes["step_hook"] or []) if type(e) is dict and type(e.get("value")) is torch.Tensor
               and type(e.get("grad")) is torch.Tensor]
    last_of_step = [e for i, e in enumerate(entries)
                    if i + 1 == len(entries) or not torch.equal(entries[i + 1]["value"], e["value"])]
    for k, e in enumerate(last_of_step):
        w_k = e["value"].to(device).detach().clone().requires_grad_(True)
        reference.loss_fn(w_k * x, y).backward()
        checks.expect_tensor(e["grad"], w_k.grad,
                             what=msg("w.grad right after backward() number {k} (w = {w})", k=k + 1,
                                      w=format(_f(e["value"]), ".6g")),
                             hint="w.grad held this step's gradient plus an old one: backward() adds to w.grad, so "
                                  "reset it after every update (w.grad.zero_() or w.grad = None)")
    checks.expect_floats(r.values, losses, what="the list of losses returned by three train_step calls in a row",
                         hint="each call takes one whole step from the current w: loss before the update, backward(), "
                              "subtract lr * w.grad from w in place under no_grad, reset the gradient")
    checks.expect_tensor(r.args[0], w_ref, what="w after three train_step calls", requires_grad=True,
                         hint="each call takes one whole step: subtract lr * w.grad from w in place under no_grad, "
                              "then reset the gradient")


# ---------------------------------------------------------------------------- train

def _reference_run(reference, x, y, lr, epochs, w0):
    dtype = x.dtype if x.is_floating_point() else torch.float32
    w = torch.tensor(w0, dtype=dtype, device=x.device, requires_grad=True)
    ws, losses = [], []
    for _ in range(epochs):
        ws.append(w.item())
        losses.append(reference.train_step(w, x, y, lr))
    return ws, losses, reference.train(x, y, lr, epochs, w0).detach()


def _arg(entry, index, name):
    args, kwargs = entry.get("args", []), entry.get("kwargs", {})
    if index < len(args):
        return args[index]
    return kwargs.get(name)


def _snap_value(s):
    if type(s) is dict and type(s.get("value")) is torch.Tensor and s["value"].numel() == 1:
        return _f(s["value"])
    return None


def _expect_w(r, w_ref, what):
    facts, got = r.probes["facts"], r.value
    calls = r.callee_calls("train_step")
    if type(got) is torch.Tensor and tuple(got.shape) != ():
        hint = N_("w is a 0-dim tensor: torch.tensor(w0, ...), not torch.tensor([w0])")
    elif type(got) is torch.Tensor and not got.requires_grad:
        hint = N_("return w itself, not w.detach() or a copy")
    elif not calls:
        hint = N_("take every step by calling train_step (the function above) with w, x, y_true and lr; "
                  "a loop of your own goes a different way")
    else:
        hint = N_("create w from w0 (dtype of x, on x.device), then call train_step with w, x, y_true and lr "
                  "exactly epochs times")
    # The contract fixes neither w's dtype nor more than float32 precision: a float32 w on float64
    # data is right (x's dtype, as the reference does, is right too), judged at float32 tolerance.
    if type(got) is torch.Tensor and got.dtype == torch.float32 and w_ref.dtype != torch.float32:
        checks.expect_tensor(got, w_ref.to(torch.float32), what=what, requires_grad=True, hint=hint,
                             rtol=1e-5, atol=1e-5)
    else:
        checks.expect_tensor(got, w_ref, what=what, requires_grad=True, hint=hint)
    checks.expect(facts is not None and facts["is_leaf"], msg("{what} is not a leaf tensor", what=what),
                  "a leaf tensor (created with requires_grad=True)", "a tensor computed from another one",
                  "create w with torch.tensor(w0, dtype=..., device=x.device, requires_grad=True); "
                  "torch.tensor(w0, requires_grad=True).to(device) is a copy, not a leaf")


def _expect_calls(r, epochs, lr, w0):
    calls = r.callee_calls("train_step")
    checks.expect(len(calls) > 0, "train never called train_step", msg("{n} calls to train_step", n=epochs), "0 calls",
                  "take each step by calling train_step (the function above) with w, x, y_true and lr")
    checks.expect(len(calls) == epochs, "train called train_step the wrong number of times",
                  msg("{n} calls (epochs={n})", n=epochs), msg("{n} calls", n=len(calls)),
                  "one call per epoch, epochs times in all; do not hard-code the number of epochs")
    for k, c in enumerate(calls):
        got_lr = _arg(c, 3, "lr")
        checks.expect(type(got_lr) in (int, float) and math.isclose(float(got_lr), lr, rel_tol=1e-9),
                      msg("train passed the wrong learning rate to train_step (epoch {epoch})", epoch=k + 1),
                      msg("lr={lr}", lr=format(lr, "g")),
                      (msg("lr={lr}", lr=format(got_lr, "g")) if type(got_lr) in (int, float)
                       else checks.describe(got_lr)),
                      "pass train's lr argument on to train_step; do not hard-code 0.01")
        w = _arg(c, 0, "w")
        checks.expect(type(w) is dict and w.get("requires_grad") and w.get("is_leaf"),
                      msg("the w passed to train_step (epoch {epoch}) is not a leaf tensor that requires grad",
                          epoch=k + 1),
                      "w: a leaf tensor, requires_grad=True", checks.describe(w.get("value") if type(w) is dict else w),
                      "create w once with torch.tensor(w0, ..., requires_grad=True) and pass that same tensor every "
                      "epoch")
    return calls


def _expect_trajectory(calls, ws, x, y):
    got = [_snap_value(_arg(c, 0, "w")) for c in calls]
    checks.expect(all(v is not None for v in got), "the w passed to train_step is not a one-element tensor",
                  "a 0-dim tensor w", "something else", "create w with torch.tensor(w0, ...)")
    hint = ""
    if got and not math.isclose(got[0], ws[0], rel_tol=1e-5, abs_tol=1e-6):
        hint = msg("the first step must start from w0 = {w0}: create w from the w0 argument", w0=format(ws[0], "g"))
    checks.expect_floats(got, ws, what="the w handed to train_step at each epoch",
                         hint=hint or N_("use the same w every epoch and let train_step update it; "
                                         "do not change it in between"))
    first = calls[0]
    for index, name, want in ((1, "x", x), (2, "y_true", y)):
        v = _arg(first, index, name)
        checks.expect(type(v) is dict and type(v.get("value")) is torch.Tensor
                      and v["value"].shape == want.shape and torch.equal(v["value"].cpu(), want.cpu()),
                      msg("train passed something else than its {name} to train_step", name=name),
                      msg("{name} as given to train", name=name),
                      checks.describe(v.get("value") if type(v) is dict else v),
                      "hand train's own x and y_true to train_step")


# The lecture's run (course contract, train's docstring): the defaults lr = 0.01, 100 epochs, w0 = 1 on
# x = [1, 2, 3], y = [2, 4, 6] end at this w in float32.
TRAIN_EXAMPLE_W = 1.9999443292617798


@check("train", "the lecture's example: w ≈ 1.9999443 after 100 epochs", visible=True)
def test_train_example(student, device):
    x, y = torch.tensor(SEED_X, device=device), torch.tensor(SEED_Y, device=device)
    r = student.call("train", x, y, callees=["loss_fn"], record=["train_step"],
                     probes=[probe("facts", "result"), probe("callees")])
    _expect_w(r, torch.tensor(TRAIN_EXAMPLE_W, device=device), code("train(x, y)"))


CUDA0_HINT = N_("create w on x.device (torch.tensor(w0, ..., device=x.device)); a device chosen in the code ('cuda:0' "
                "when torch.cuda.is_available(), say) is not where x is: on a machine with a GPU and data on the CPU, "
                "w would be on the GPU")


@check("train", "on a machine with a GPU, data on the CPU: w stays with x", weight=0.5)
def test_train_device_of_x(student, reference):
    x, y = _data(44, (5,), "cpu")
    r = student.call("train", x, y, 0.05, 6, 0.5, callees=["loss_fn"], record=["train_step"],
                     probes=[probe("facts", "result"), probe("callees"), probe("devices", True, False)],
                     expected="w on the CPU, where x is, even though a CUDA GPU is available", hint=CUDA0_HINT)
    got = r.value
    if type(got) is torch.Tensor and got.device.type != "cpu":
        raise wrong("train created w on another device than x's", "cpu (x.device)", code(str(got.device)), CUDA0_HINT)
    _expect_w(r, reference.train(x, y, 0.05, 6, 0.5).detach(),
              msg("{call} with x on the CPU", call="train(x, y, lr=0.05, epochs=6, w0=0.5)"))


@check("train", "calls train_step once per epoch with the given lr")
def test_train_calls(student, reference, device):
    for seed, lr, epochs, w0 in [(41, 0.05, 7, -0.5), (42, 0.002, 13, 3.0), (43, 0.3, 1, 0.25)]:
        x, y = _data(seed, (5,), device)
        r = student.call("train", x, y, lr=lr, epochs=epochs, w0=w0, callees=["loss_fn"], record=["train_step"],
                         probes=[probe("callees")])
        _expect_calls(r, epochs, lr, w0)


@check("train", "the trajectory matches the reference run", weight=1.5)
def test_train_trajectory(student, reference, device):
    for seed, shape, dtype, lr, epochs, w0 in [(51, (6,), torch.float32, 0.04, 25, -1.0),
                                               (52, (2, 4), torch.float64, 0.1, 12, 0.75)]:
        x, y = _data(seed, shape, device, dtype=dtype)
        ws, losses, w_final = _reference_run(reference, x, y, lr, epochs, w0)
        r = student.call("train", x, y, lr, epochs, w0, callees=["loss_fn"], record=["train_step"],
                         probes=[probe("facts", "result"), probe("callees")])
        calls = _expect_calls(r, epochs, lr, w0)
        _expect_trajectory(calls, ws, x, y)
        checks.expect_floats([c.get("return") for c in calls], losses,
                             what="the list of losses of the train_step calls")
        _expect_w(r, w_final, msg("train(x, y, lr={lr}, epochs={epochs}, w0={w0}) on {dtype} data", lr=lr,
                                  epochs=epochs, w0=w0, dtype=str(dtype)[6:]))


@check("train", "the returned w for other data, lr, epochs and w0")
def test_train_result(student, reference, device):
    for seed, shape, dtype, lr, epochs, w0 in [(61, (8,), torch.float32, 0.05, 40, 0.0),
                                               (62, (3,), torch.float64, 0.01, 60, 4.0)]:
        x, y = _data(seed, shape, device, dtype=dtype)
        r = student.call("train", x, y, lr, epochs, w0, callees=["loss_fn"], record=["train_step"],
                         probes=[probe("facts", "result"), probe("callees")])
        _expect_w(r, reference.train(x, y, lr, epochs, w0).detach(),
                  msg("train(x, y, lr={lr}, epochs={epochs}, w0={w0}) on {dtype} data", lr=lr, epochs=epochs, w0=w0,
                      dtype=str(dtype)[6:]))
