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

from torchdrill.grading import check, checks, probe, wrong




# ---------------------------------------------------------------------------- pick_device

MACHINES = {
    (True, True): "has both a CUDA GPU and MPS",
    (True, False): "has a CUDA GPU and no MPS",
    (False, True): "has MPS (an Apple-silicon GPU) and no CUDA GPU",
    (False, False): "has neither a CUDA GPU nor MPS",
}
PICK_HINT = ("ask at run time, in this order: torch.cuda.is_available() -> 'cuda', else "
             "torch.backends.mps.is_available() -> 'mps', else 'cpu'; a device written into the code is "
             "wrong on other machines")


def _pick(student, cuda, mps):
    want = "cuda" if cuda else ("mps" if mps else "cpu")
    where = f"on a machine that {MACHINES[cuda, mps]}"
    r = student.call("pick_device", expected=f"torch.device('{want}') {where}",
              probes=[probe("devices", cuda, mps)])
    got = r.value
    checks.expect_type(got, torch.device, what=f"pick_device() {where}",
                       hint="wrap the name in torch.device(...), e.g. torch.device('cpu')")
    checks.expect(got.type == want, f"pick_device() {where} picked the wrong device.",
                  f"a device of type '{want}'", f"torch.device('{got}')", PICK_HINT)


@check("pick_device", en="the docstring's example: no GPU gives cpu", ko="문서 예제: GPU가 없으면 cpu", visible=True)
def test_pick_device_cpu(student):
    _pick(student, False, False)


@check("pick_device", en="cuda when CUDA is available, with or without MPS", ko="CUDA가 있으면 MPS와 상관없이 cuda",
       weight=1.5)
def test_pick_device_cuda(student):
    _pick(student, True, False)
    _pick(student, True, True)


@check("pick_device", en="mps when only MPS is available", ko="MPS만 있으면 mps")
def test_pick_device_mps(student):
    _pick(student, False, True)


# ---------------------------------------------------------------------------- to_device

TO_HINT = ("t.to(device) returns a tensor on device and leaves t where it is; use the tensor it returns. "
           ".cuda() and .cpu() name a device themselves")


def _rand(seed, shape, dtype=torch.float32, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    if dtype.is_floating_point:
        return torch.randn(shape, generator=g, dtype=torch.float64).to(dtype).to(device)
    return torch.randint(-50, 50, shape, generator=g).to(dtype).to(device)


def _move(student, t, target, label):
    target_dev = torch.device(target)
    spelled = repr(target) if type(target) is str else f"torch.device('{target}')"
    what = f"to_device(t, {spelled}) for {label}"
    r = student.call("to_device", t, target, expected=f"a tensor with t's values on {target_dev}", hint=TO_HINT)
    expected = t.to(target_dev)
    got = r.value
    if type(got) is torch.Tensor and got.device.type != target_dev.type:    # before the ladder: its hint is
        raise wrong(f"{what} is on the wrong device.", str(target_dev), str(got.device), TO_HINT)  # about x.device
    dtype_rung = type(r.value) is torch.Tensor and tuple(r.value.shape) == tuple(t.shape) and r.value.dtype != t.dtype
    checks.expect_tensor(r.value, expected, what=what, rtol=0, atol=0,
                         hint="keep t's dtype: only the device changes" if dtype_rung else TO_HINT)
    after = r.args[0]
    checks.expect(type(after) is torch.Tensor and after.device == t.device,
                  f"to_device(t, {spelled}) moved t itself: t must stay where it was",
                  f"t still on {t.device}", f"t on {getattr(after, 'device', '?')}",
                  "do not assign to t.data; return a new tensor instead")
    checks.expect_unchanged(after, t, what="the input t")


@check("to_device", en="the docstring's example: onto the CPU", ko="문서 예제: CPU로", visible=True)
def test_to_device_example(student):
    _move(student, torch.tensor([1.0, 2.0, 3.0]), torch.device("cpu"), "t = torch.tensor([1.0, 2.0, 3.0])")


@check("to_device", en="onto another device (meta): dtype kept, t stays", ko="다른 장치(meta)로: dtype 유지, t는 그대로",
       weight=2)
def test_to_device_meta(student, device):
    cases = [(_rand(7101, (2, 3), device=device), torch.device("meta")),
             (_rand(7102, (4,), torch.int64, device), torch.device("meta")),
             (_rand(7103, (3, 1), torch.float64, device), "meta")]
    for t, target in cases:
        dt = str(t.dtype).replace('torch.', '')
        label = f"{'an' if dt.startswith('int') else 'a'} {dt} tensor of shape {tuple(t.shape)} on {t.device}"
        _move(student, t, target, label)


@check("to_device", en="on a machine with a GPU: still the device asked for", ko="GPU가 있는 컴퓨터에서도 요청한 장치로",
       weight=0.5)
def test_to_device_gpu_machine(student):
    for seed, target in ((7301, torch.device("cpu")), (7302, "meta")):
        t = _rand(seed, (3, 2))
        r = student.call("to_device", t, target, probes=[probe("devices", True, False)],
                         expected=f"a tensor on {target}, the device asked for, though a CUDA GPU is available",
                         hint="move t to the device argument itself: t.to(device); a device the code picks "
                              "('cuda:0' when torch.cuda.is_available(), say) is not the one asked for")
        got = r.value
        if type(got) is torch.Tensor and got.device.type != torch.device(target).type:
            raise wrong("to_device ignored the device it was asked for on a machine with a GPU",
                        str(torch.device(target)), str(got.device),
                        "move t to the device argument itself: t.to(device); a device the code picks "
                        "('cuda:0' when torch.cuda.is_available(), say) is not the one asked for")
        checks.expect_tensor(got, t.to(target), what=f"to_device(t, {target!r}) on a machine with a GPU", rtol=0, atol=0)


@check("to_device", en="between the CPU and the grading device", ko="CPU와 채점 장치 사이")
def test_to_device_grading_device(student, device):
    _move(student, _rand(7201, (2, 2), torch.float64), device, f"a float64 CPU tensor (to {device.type})")
    _move(student, _rand(7202, (3,), device=device), torch.device("cpu"), f"a float32 tensor on {device.type}")
    _move(student, _rand(7203, (2, 3), torch.int64), str(device), "an int64 CPU tensor (device given as a string)")
