"""Graders for ex03_device: choosing a device, and copying a tensor onto one.

``pick_device`` is graded on simulated machines: ``probe("devices", cuda, mps)`` (trusted code in
``torchdrill.sandbox.kit``) patches every public way of asking what is available (``torch.cuda.
is_available`` and ``device_count``, ``torch.backends.mps.is_available`` and ``is_built``,
``torch.mps``, ``torch.accelerator``) for the duration of the student's call, so all correct ways
of writing it agree, and a device fixed in the code or the wrong order of checks shows on some
machine.  The contract asks for a ``torch.device``: a string is a wrong type.

``to_device`` is graded on the grading device and on ``torch.device("meta")``, which every machine
has, so "the result is on the device asked for" is checked without a GPU (meta tensors carry
shape and dtype but no values).
"""
import torch

from torchdrill.grading import N_, check, checks, code, msg, probe, wrong

# ---------------------------------------------------------------------------- pick_device

MACHINES = {
    (True, True): N_("on a machine that has both a CUDA GPU and MPS"),
    (True, False): N_("on a machine that has a CUDA GPU and no MPS"),
    (False, True): N_("on a machine that has MPS (an Apple-silicon GPU) and no CUDA GPU"),
    (False, False): N_("on a machine that has neither a CUDA GPU nor MPS"),
}
PICK_HINT = N_("ask at run time, in this order: torch.cuda.is_available() -> 'cuda', else "
               "torch.backends.mps.is_available() -> 'mps', else 'cpu'; a device written into the code is "
               "wrong on other machines")


def _pick(student, cuda, mps):
    want = "cuda" if cuda else ("mps" if mps else "cpu")
    where = msg(MACHINES[cuda, mps])
    r = student.call("pick_device", expected=msg("torch.device('{device}') {where}", device=want, where=where),
                     probes=[probe("devices", cuda, mps)])
    got = r.value
    checks.expect_type(got, torch.device, what=msg("pick_device() {where}", where=where),
                       hint="wrap the name in torch.device(...), e.g. torch.device('cpu')")
    checks.expect(got.type == want, msg("pick_device() {where} picked the wrong device.", where=where),
                  msg("a device of type '{type}'", type=want), code(f"torch.device('{got}')"), PICK_HINT)


@check("pick_device", "the docstring's example: no GPU gives cpu", visible=True)
def test_pick_device_cpu(student):
    _pick(student, False, False)


@check("pick_device", "cuda when CUDA is available, with or without MPS", weight=1.5)
def test_pick_device_cuda(student):
    _pick(student, True, False)
    _pick(student, True, True)


@check("pick_device", "mps when only MPS is available")
def test_pick_device_mps(student):
    _pick(student, False, True)


# ---------------------------------------------------------------------------- to_device

TO_HINT = N_("t.to(device) returns a tensor on device and leaves t where it is; use the tensor it returns. "
             ".cuda() and .cpu() name a device themselves")
DTYPE_HINT = N_("keep t's dtype: only the device changes")
GPU_MACHINE_HINT = N_("move t to the device argument itself: t.to(device); a device the code picks "
                      "('cuda:0' when torch.cuda.is_available(), say) is not the one asked for")


def _rand(seed, shape, dtype=torch.float32, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    if dtype.is_floating_point:
        return torch.randn(shape, generator=g, dtype=torch.float64).to(dtype).to(device)
    return torch.randint(-50, 50, shape, generator=g).to(dtype).to(device)


def _move(student, t, target, label):
    """``label``: t, as code (``t = torch.tensor(...)``) or as a description (a msg)."""
    target_dev = torch.device(target)
    spelled = repr(target) if type(target) is str else f"torch.device('{target}')"      # code, as written
    what = msg("to_device(t, {device}) for {case}", device=spelled, case=label)
    r = student.call("to_device", t, target, hint=TO_HINT,
                     expected=msg("a tensor with t's values on {device}", device=str(target_dev)))
    expected = t.to(target_dev)
    got = r.value
    if type(got) is torch.Tensor and got.device.type != target_dev.type:    # before the ladder: its hint is
        raise wrong(msg("{what} is on the wrong device.", what=what),      # about x.device
                    code(str(target_dev)), code(str(got.device)), TO_HINT)
    dtype_rung = type(r.value) is torch.Tensor and tuple(r.value.shape) == tuple(t.shape) and r.value.dtype != t.dtype
    checks.expect_tensor(r.value, expected, what=what, rtol=0, atol=0, hint=DTYPE_HINT if dtype_rung else TO_HINT)
    after = r.args[0]
    checks.expect(type(after) is torch.Tensor and after.device == t.device,
                  msg("to_device(t, {device}) moved t itself: t must stay where it was", device=spelled),
                  msg("t still on {device}", device=str(t.device)),
                  msg("t on {device}", device=str(getattr(after, "device", "?"))),
                  "do not assign to t.data; return a new tensor instead")
    checks.expect_unchanged(after, t, what="the input t")


@check("to_device", "the docstring's example: onto the CPU", visible=True)
def test_to_device_example(student):
    _move(student, torch.tensor([1.0, 2.0, 3.0]), torch.device("cpu"), code("t = torch.tensor([1.0, 2.0, 3.0])"))


@check("to_device", "onto another device (meta): dtype kept, t stays", weight=2)
def test_to_device_meta(student, device):
    cases = [(_rand(7101, (2, 3), device=device), torch.device("meta")),
             (_rand(7102, (4,), torch.int64, device), torch.device("meta")),
             (_rand(7103, (3, 1), torch.float64, device), "meta")]
    for t, target in cases:
        dt, shape = str(t.dtype).replace("torch.", ""), str(tuple(t.shape))
        label = (msg("an {dtype} tensor of shape {shape} on {device}", dtype=dt, shape=shape, device=str(t.device))
                 if dt.startswith("int") else
                 msg("a {dtype} tensor of shape {shape} on {device}", dtype=dt, shape=shape, device=str(t.device)))
        _move(student, t, target, label)


@check("to_device", "on a machine with a GPU: still the device asked for", weight=0.5)
def test_to_device_gpu_machine(student):
    for seed, target in ((7301, torch.device("cpu")), (7302, "meta")):
        t = _rand(seed, (3, 2))
        r = student.call("to_device", t, target, probes=[probe("devices", True, False)],
                         expected=msg("a tensor on {device}, the device asked for, though a CUDA GPU is available",
                                      device=str(target)),
                         hint=GPU_MACHINE_HINT)
        got = r.value
        if type(got) is torch.Tensor and got.device.type != torch.device(target).type:
            raise wrong("to_device ignored the device it was asked for on a machine with a GPU",
                        code(str(torch.device(target))), code(str(got.device)), GPU_MACHINE_HINT)
        checks.expect_tensor(got, t.to(target), rtol=0, atol=0,
                             what=msg("to_device(t, {device}) on a machine with a GPU", device=repr(target)))


@check("to_device", "between the CPU and the grading device")
def test_to_device_grading_device(student, device):
    _move(student, _rand(7201, (2, 2), torch.float64), device,
          msg("a {dtype} CPU tensor (to {device})", dtype="float64", device=device.type))
    _move(student, _rand(7202, (3,), device=device), torch.device("cpu"),
          msg("a {dtype} tensor on {device}", dtype="float32", device=device.type))
    _move(student, _rand(7203, (2, 3), torch.int64), str(device), msg("an int64 CPU tensor (device given as a string)"))
