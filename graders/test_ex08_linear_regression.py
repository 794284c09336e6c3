"""Graders for ex08_linear_regression: nn.Linear, MSELoss + SGD, prediction without a graph.

A model cannot cross the process boundary, so the grader names it: ``make("linear", in, out, seed,
device)`` is built in the child exactly as ``kit.MAKERS["linear"]`` builds it here, which makes the
reference run in the trusted process start from the very same weights.  What the student's code
returns as a model is examined in the child (``probe("module")``); the trained parameters come back
through ``probe("module")``.  When a loss list is wrong, the grader replays the usual mistakes
(no ``zero_grad``, a summed or L1 loss, the default learning rate) and names the one that matches.
The visible example of ``fit`` runs without the solutions: its losses, final parameters and the
mistakes' first losses were recorded once from the reference (constants below).
"""
import math

import torch

from torchdrill.grading import N_, StudentProblem, check, checks, code, make, msg, probe, wrong
from torchdrill.results import Outcome
from torchdrill.sandbox.kit import MAKERS


def _data(seed, n, in_f, out_f, device, noise=0.1):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, in_f, generator=g) * 4 - 2
    w = torch.randn(out_f, in_f, generator=g)
    b = torch.randn(out_f, generator=g)
    y = x @ w.T + b + noise * torch.randn(n, out_f, generator=g)
    return x.to(device), y.to(device)


def _model(in_f, out_f, seed, device):
    """The same model the child builds from make("linear", ...), without touching our global RNG."""
    with torch.random.fork_rng(devices=[]):
        return MAKERS["linear"](in_f, out_f, seed, str(device))


def _params(model):
    return {n: p.detach().clone() for n, p in model.named_parameters()}


# ---------------------------------------------------------------------------- make_model

def _expect_linear(r, in_f, out_f, what):
    m = r.probes["module"]
    checks.expect(m is not None, msg("{what} should return a torch.nn.Linear model", what=what), "torch.nn.Linear",
                  checks.describe(r.value), "build a torch.nn.Linear from in_features and out_features and return it")
    checks.expect(m["is_linear"], msg("{what} should return a torch.nn.Linear itself", what=what), "torch.nn.Linear",
                  code(m["type"]),
                  "return the torch.nn.Linear itself, not wrapped in nn.Sequential or another "
                  "module")
    checks.expect((m["in_features"], m["out_features"]) == (in_f, out_f), msg("{what} has the wrong sizes", what=what),
                  msg("in_features={i}, out_features={o}", i=in_f, o=out_f),
                  msg("in_features={i}, out_features={o}", i=m["in_features"], o=m["out_features"]),
                  "torch.nn.Linear takes (in_features, out_features), in that order; pass the arguments through")
    checks.expect(m["has_bias"] and "bias" in m["params"], msg("{what} has no bias", what=what),
                  msg("a bias of shape {shape}", shape=str((out_f,))), "bias=None",
                  "keep the bias (bias=True is the default): y = xWᵀ + b")
    for name, shape in (("weight", (out_f, in_f)), ("bias", (out_f,))):
        p = m["params"].get(name)
        checks.expect(p is not None and tuple(p["shape"]) == shape,
                      msg("{what}.{name} has the wrong shape", what=what, name=name), code(str(shape)),
                      code(str(tuple(p["shape"]))) if p else "missing", "torch.nn.Linear(in_features, out_features)")
        checks.expect(p["dtype"] == "float32", msg("{what}.{name} has the wrong dtype", what=what, name=name),
                      "float32", code(p["dtype"]), "keep PyTorch's default float32 parameters")
        checks.expect(p["requires_grad"], msg("{what}.{name} does not require grad", what=what, name=name),
                      "requires_grad=True",
                      "requires_grad=False", "the parameters must stay trainable")


@check("make_model", "make_model() is a torch.nn.Linear(1, 1) with a bias", visible=True)
def test_make_model_default(student):
    r = student.call("make_model", probes=[probe("module", "result")])
    _expect_linear(r, 1, 1, code("make_model()"))


@check("make_model", "other sizes, in the order (inputs, outputs)")
def test_make_model_sizes(student):
    sizes = [((3, 2), {}, "make_model(3, 2)"),
             ((), {"in_features": 4, "out_features": 1}, "make_model(in_features=4, out_features=1)"),
             ((1, 5), {}, "make_model(1, 5)")]
    for args, kwargs, shown in sizes:
        in_f, out_f = (args or (kwargs["in_features"], kwargs["out_features"]))
        r = student.call("make_model", *args, probes=[probe("module", "result")], **kwargs)
        _expect_linear(r, in_f, out_f, code(shown))


# ---------------------------------------------------------------------------- fit

def _replay(model, x, y, lr, epochs, *, zero=True, loss="mse"):
    """A trusted re-run of a (possibly mistaken) fit, for naming the mistake."""
    crit = {"mse": torch.nn.MSELoss(), "sum": torch.nn.MSELoss(reduction="sum"), "l1": torch.nn.L1Loss()}[loss]
    params = list(model.parameters())
    out = []
    for _ in range(epochs):
        if zero:
            for p in params:
                p.grad = None
        value = crit(model(x), y)
        value.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        out.append(value.item())
    return out


def _same(u, v):
    return type(u) is float and (u == v or (math.isnan(u) and math.isnan(v))
                                 or math.isclose(u, v, rel_tol=1e-4, abs_tol=1e-6))


def _close(a, b):
    return type(a) is list and len(a) == len(b) and all(_same(u, v) for u, v in zip(a, b, strict=True))


#: the usual mistakes of fit, each with the hint that names it (first match wins)
FIT_MISTAKES = (
    ("no zero_grad", N_("the gradients piled up: reset the gradients (zero_grad() on the optimizer) every epoch, "
                        "before backward()")),
    ("sum", N_("this is a summed loss: torch.nn.MSELoss() takes the mean")),
    ("l1", N_("this is an L1 (absolute) loss: use torch.nn.MSELoss()")),
    ("lr=0.1", N_("these losses belong to lr = 0.1: pass the lr argument to torch.optim.SGD")),
    ("lr=0.01", N_("these losses belong to lr = 0.01: pass the lr argument to torch.optim.SGD")),
)


def _replayer(spec, x, y, lr, epochs):
    """name in FIT_MISTAKES -> the loss list of that mistake, replayed here only when asked for (None when
    it is no mistake for this lr)."""
    how = {"no zero_grad": ({"zero": False}, lr), "sum": ({"loss": "sum"}, lr), "l1": ({"loss": "l1"}, lr),
           "lr=0.1": ({}, 0.1), "lr=0.01": ({}, 0.01)}

    def replayed(name):
        kwargs, use_lr = how[name]
        if use_lr == lr and not kwargs:
            return None
        return _replay(_model(*spec), x, y, use_lr, epochs, **kwargs)
    return replayed


def _fit_hint(got, epochs, params_after, params_before, mistake_losses):
    """Compare a wrong loss list with the usual mistakes: ``mistake_losses(name)`` for a name in
    FIT_MISTAKES is the loss list that mistake gives (or its first losses only; None: not a mistake here),
    replayed or recorded."""
    if type(got) is not list:
        return N_("collect loss.item() of every epoch in a list and return the list")
    if len(got) != epochs:
        return N_("one loss per epoch: loop exactly epochs times (do not hard-code the number)")
    if params_after is not None and all(torch.equal(params_after[n]["value"].cpu(), params_before[n].cpu())
                                        for n in params_before if n in params_after):
        return N_("the model you were given did not change: train it in place (build the optimizer from "
                  "model.parameters()); do not create a new model inside fit")
    for name, hint in FIT_MISTAKES:
        losses = mistake_losses(name)
        if losses is not None and _close(got[:len(losses)], losses):
            return hint
    return N_("each epoch: zero_grad() on the optimizer, the MSELoss of model(x) against y, backward(), then the "
              "optimizer's step(), and record loss.item() (the loss before the update)")


def _grade_fit(student, reference, device, spec_seed, in_f, out_f, data_seed, n, lr, epochs, *, defaults=False,
               check_params=True):
    spec = (in_f, out_f, spec_seed, device)
    x, y = _data(data_seed, n, in_f, out_f, device)
    model = _model(*spec)
    before = _params(model)
    expected = reference.fit(model, x, y, lr, epochs)
    after = _params(model)
    args = (x, y) if defaults else (x, y, lr, epochs)
    r = student.call("fit", make("linear", in_f, out_f, spec_seed, str(device)), *args, probes=[probe("module", 0)])
    if defaults:
        what = code("fit(model, x, y)")
    else:
        what = msg("fit(model, x, y, lr={lr}, epochs={epochs}) on {i}→{o} features",
                   lr=lr, epochs=epochs, i=in_f, o=out_f)
    params = (r.probes["module"] or {}).get("params")
    if not _close(r.value, expected):
        checks.expect_floats(r.value, expected, what=msg("the list of losses returned by {call}", call=what),
                             hint=_fit_hint(r.value, epochs, params, before, _replayer(spec, x, y, lr, epochs)))
    if check_params:
        for name, want in after.items():
            got = (params or {}).get(name)
            checks.expect(got is not None, msg("the model has no parameter {name} after {call}", name=name, call=what),
                          code(name), "missing")
            checks.expect_tensor(got["value"], want, what=msg("model.{name} after {call}", name=name, call=what),
                                 hint="train the model you were given, in place, with "
                                      "torch.optim.SGD(model.parameters(), lr=lr): zero_grad, loss, backward, step "
                                      "every epoch")
        checks.expect_unchanged(r.args[1], x, what="x")
        checks.expect_unchanged(r.args[2], y, what="y")
    return r


# The docstring's example, recorded once from the reference in float32 on the CPU: make("linear", 1, 1, seed=0)
# (weight -0.0075, bias 0.5364 before training) fit to y = 2x + 1 on 50 points of [-1, 1] with the defaults,
# lr = 0.1 and 200 epochs. FIT_EXAMPLE_LOSSES: the loss of these epochs (0-based); the rest are not recorded.
FIT_EXAMPLE_EPOCHS = 200
FIT_EXAMPLE_LOSSES = {0: 1.6130489110946655, 1: 1.3483912944793701, 2: 1.1366733312606812, 3: 0.9645083546638489,
                      4: 0.8225691318511963, 9: 0.3870449960231781, 19: 0.09098801761865616,
                      49: 0.001215898199006915, 199: 5.659472998749415e-13}
FIT_EXAMPLE_PARAMS = {"weight": [[1.999998927116394]], "bias": [0.9999998807907104]}
# ... and the first losses of the usual mistakes on it (lr = 0.1 is the default, so not a mistake here).
FIT_EXAMPLE_MISTAKES = {
    "no zero_grad": [1.6130489110946655, 1.3483912944793701, 0.9289515018463135, 0.5158666372299194,
                     0.2420644760131836],
    "sum": [80.6524429321289, 1296.57421875, 73092.3671875, 5725775.5, 462600576.0],
    "l1": [1.0764859914779663, 1.0476200580596924, 1.019629955291748, 0.9916399121284485, 0.9636499285697937],
    "lr=0.01": [1.6130489110946655, 1.5852036476135254, 1.5579628944396973, 1.5313094854354858, 1.505226731300354],
}


def _recorded(got, recorded, n):
    """The expected list for expect_floats: the recorded losses where there is one; elsewhere the value
    returned itself (not judged), or NaN when the list is no list of n entries (so it fails on that)."""
    whole = type(got) is list and len(got) == n
    return [recorded[i] if i in recorded else got[i] if whole else math.nan for i in range(n)]


@check("fit", "the example: y = 2x + 1, default lr and epochs", visible=True)
def test_fit_example(student, device):
    x = torch.linspace(-1, 1, 50, device=device).unsqueeze(1)
    y = 2 * x + 1
    r = student.call("fit", make("linear", 1, 1, 0, str(device)), x, y, probes=[probe("module", 0)])
    params = (r.probes["module"] or {}).get("params")
    # rtol as _close's: the recorded numbers come from the CPU, a GPU run may differ in the last bits
    checks.expect_floats(r.value, _recorded(r.value, FIT_EXAMPLE_LOSSES, FIT_EXAMPLE_EPOCHS),
                         what=msg("the list of losses returned by {call}", call="fit(model, x, y)"), rtol=1e-4,
                         hint=_fit_hint(r.value, FIT_EXAMPLE_EPOCHS, params, _params(_model(1, 1, 0, device)),
                                        FIT_EXAMPLE_MISTAKES.get))
    params = params or {}
    for name, value in FIT_EXAMPLE_PARAMS.items():
        checks.expect(name in params, msg("the model has no parameter {name}", name=name), code(name), "missing")
        checks.expect_tensor(params[name]["value"], torch.tensor(value, device=device),
                             what=msg("model.{name} after {call}", name=name, call="fit(model, x, y)"),
                             hint="train the model you were given, in place")


CUDA0_HINT = N_("work on the device the model and the data already are on; a device chosen in the code ('cuda:0' when "
                "torch.cuda.is_available(), say) moves the caller's model somewhere else on a machine with a GPU")


@check("fit", "on a machine with a GPU, model and data on the CPU: trained where they are", weight=0.5)
def test_fit_where_the_model_is(student, reference):
    spec = (2, 1, 7, "cpu")
    x, y = _data(73, 12, 2, 1, "cpu")
    model = _model(*spec)
    expected = reference.fit(model, x, y, 0.1, 6)
    r = student.call("fit", make("linear", *spec), x, y, 0.1, 6,
                     probes=[probe("module", 0), probe("devices", True, False)],
                     expected="the losses of training on the CPU, where the model and the data are", hint=CUDA0_HINT)
    params = (r.probes["module"] or {}).get("params") or {}
    for name, want in _params(model).items():
        got = params.get(name)
        checks.expect(got is not None, msg("the model has no parameter {name} after {call}", name=name, call="fit"),
                      code(name), "missing")
        checks.expect(got["device"] == "cpu", "fit moved the caller's model to another device",
                      "the model still on the CPU, where it came",
                      msg("model.{name} on {device}", name=name, device=got["device"]), CUDA0_HINT)
        checks.expect_tensor(got["value"], want, what=msg("model.{name} after fit on the CPU with a GPU available",
                                                          name=name),
                             hint=CUDA0_HINT)
    checks.expect_floats(r.value, expected, what="the list of losses returned by fit on the CPU with a GPU available",
                         hint=CUDA0_HINT)


@check("fit", "the loss of every epoch for other data, lr and epochs", weight=1.5)
def test_fit_losses(student, reference, device):
    _grade_fit(student, reference, device, 3, 1, 1, 71, 30, 0.05, 37, check_params=False)
    _grade_fit(student, reference, device, 4, 3, 2, 72, 24, 0.2, 15, check_params=False)


@check("fit", "the model is trained in place: final parameters", weight=1.5)
def test_fit_params(student, reference, device):
    _grade_fit(student, reference, device, 5, 2, 1, 81, 40, 0.08, 25)
    _grade_fit(student, reference, device, 6, 1, 3, 82, 16, 0.3, 9)


# ---------------------------------------------------------------------------- predict

def _grade_predict(student, device, in_f, out_f, seed, x, maker="linear", extra_probes=()):
    model = _model(in_f, out_f, seed, device)
    before = _params(model)
    with torch.no_grad():
        expected = model(x)
    r = student.call("predict", make(maker, in_f, out_f, seed, str(device)), x,
                     probes=[probe("module", 0), *extra_probes])
    what = msg("{call} for x of shape {shape}", call="predict(model, x)", shape=str(tuple(x.shape)))
    checks.expect_tensor(r.value, expected, what=what, requires_grad=False,
                         hint="compute model(x) inside a torch.no_grad() block and return it")
    m = r.probes["module"]
    for name, want in before.items():
        p = (m or {}).get("params", {}).get(name)
        checks.expect(p is not None and p["requires_grad"],
                      msg("predict changed the model: model.{name} no longer requires grad", name=name),
                      "the model unchanged", "requires_grad=False",
                      "do not switch the parameters off (requires_grad_(False)); torch.no_grad() is enough")
        checks.expect(p["grad"] is None, msg("predict left a gradient in model.{name}.grad", name=name),
                      msg("model.{name}.grad None", name=name), "a gradient", "predicting needs no backward()")
        checks.expect_tensor(p["value"], want, what=msg("model.{name} after {call}", name=name, call="predict"),
                             hint="predicting must not change the model")
    checks.expect_unchanged(r.args[1], x, what="x")
    return r


MODE_HINT = N_("predict must leave the model as it came, its train/eval mode included: model.eval() or model.train() "
               "change the caller's model, so put back the mode it had (model.train(was_training)), or leave the mode "
               "alone and only use torch.no_grad()")
PREDICT_META_HINT = N_("the model and x were on the 'meta' device, and the outputs must be computed there: .cpu(), "
                       ".numpy() or torch.tensor(...) take them elsewhere, or fail where they cannot go")


@check("predict", "the model keeps its train or eval mode", weight=0.5)
def test_predict_keeps_mode(student, device):
    x, _ = _data(94, 4, 2, 1, device)
    for training in (True, False):
        model = make("linear", 2, 1, 14, str(device))
        r = student.call("predict", model if training else make("eval_mode", model), x, probes=[probe("module", 0)],
                         expected="the model's outputs, the model left in the mode it came in", hint=MODE_HINT)
        if training:
            came = N_("the model still in train mode (model.training=True)")
            left = N_("the model in eval mode (model.training=False)")
        else:
            came = N_("the model still in eval mode (model.training=False)")
            left = N_("the model in train mode (model.training=True)")
        m = r.probes["module"] or {}
        checks.expect(m.get("training") is training,
                      "predict changed the model's mode: it must be left as it came", came, left, MODE_HINT)


@check("predict", "gradient recording is back on after the call", weight=0.5)
def test_predict_restores_recording(student, device):
    x, _ = _data(95, 3, 1, 1, device)
    r = student.call("predict", make("linear", 1, 1, 15, str(device)), x, probes=[probe("grad_mode")],
                     expected="the model's outputs, with recording back on afterwards")
    mode = r.probes["grad_mode"]
    checks.expect(type(mode) is dict and mode.get("grad_enabled") is True and mode.get("inference_mode") is False,
                  "predict switched gradient recording off and left it off after returning",
                  "recording back on after the call (torch.is_grad_enabled() == True), as it was before",
                  "torch.is_grad_enabled() == False after the call",
                  "torch.set_grad_enabled(False) or torch.no_grad().__enter__() as a statement switches recording off "
                  "for the rest of the program, so the caller's training records nothing; use torch.no_grad() as a "
                  "context manager around the call (a with block), which puts the previous mode back")


@check("predict", "model and x on another device (meta), or a GPU machine with CPU data: outputs stay there",
       weight=0.5)
def test_predict_device(student):
    model = _model(3, 2, 16, "meta")
    x = torch.empty(5, 3, device="meta")
    with torch.no_grad():
        expected = model(x)
    try:
        r = student.call("predict", make("linear", 3, 2, 16, "meta"), x, expected="outputs on the meta device",
                         hint=PREDICT_META_HINT)
    except StudentProblem as problem:
        if problem.outcome is not Outcome.NOT_IMPLEMENTED:
            raise
        student.call("predict", make("linear", 3, 2, 16, "cpu"), torch.zeros(5, 3))   # not implemented at all
        raise wrong("the code tried to copy the data of tensors on the meta device (to the CPU, into a list or "
                    "numpy), but the result must be computed on the device the inputs are on",
                    "outputs on the meta device",
                    msg("{error} (a meta tensor has no data to copy)",
                        error="NotImplementedError: Cannot copy out of meta tensor"),
                    PREDICT_META_HINT) from None
    checks.expect_tensor(r.value, expected, what="predict(model, x) with the model and x on the meta device",
                         requires_grad=False, device_hint=PREDICT_META_HINT)
    # a machine with a GPU, the model and x on the CPU: nothing moves
    x, _ = _data(96, 4, 1, 1, "cpu")
    model = _model(1, 1, 17, "cpu")
    with torch.no_grad():
        expected = model(x)
    r = student.call("predict", make("linear", 1, 1, 17, "cpu"), x,
                     probes=[probe("module", 0), probe("devices", True, False)],
                     expected="outputs on the CPU, where the model and x are, though a GPU is available",
                     hint=CUDA0_HINT)
    checks.expect_tensor(r.value, expected, what="predict(model, x) on the CPU with a GPU available",
                         requires_grad=False, device_hint=CUDA0_HINT)
    for name, p in ((r.probes["module"] or {}).get("params") or {}).items():
        checks.expect(p["device"] == "cpu", "predict moved the caller's model to another device",
                      "the model still on the CPU, where it came",
                      msg("model.{name} on {device}", name=name, device=p["device"]), CUDA0_HINT)


@check("predict", "the example: a fresh model on [[1], [2]], no grad", visible=True)
def test_predict_example(student, device):
    _grade_predict(student, device, 1, 1, 0, torch.tensor([[1.0], [2.0]], device=device))


@check("predict", "more rows and several features")
def test_predict_shapes(student, device):
    x1, _ = _data(91, 7, 1, 1, device)
    _grade_predict(student, device, 1, 1, 11, x1)
    x4, _ = _data(92, 5, 4, 3, device)
    _grade_predict(student, device, 4, 3, 12, x4)


@check("predict", "no graph is recorded while predicting")
def test_predict_no_graph(student, device):
    x, _ = _data(93, 6, 2, 2, device)
    r = _grade_predict(student, device, 2, 2, 13, x, maker="spied_linear", extra_probes=[probe("spy", 0)])
    log = r.probes["spy"]
    # model(x) and model.forward(x) are logged; a formula written out by hand is not, and is judged by the
    # result alone (it must not require grad, checked above).
    checks.expect(not any(e.get("graph") for e in (log or [])),
                  "the model ran with gradient recording on, so a graph was built (and only cut off afterwards)",
                  "model(x) inside torch.no_grad(): no graph", "model(x) with gradient recording on",
                  "put the call itself inside a torch.no_grad() block; .detach() on the output does not stop "
                  "recording, it only hides the graph after it was built")
