"""The reviewed list of equivalent mutants: ``graders/selftest.yml``.

A mutant that no grader can kill because it does not change what the stub does (``torch.add(b, a)``
for ``torch.add(a, b)``) is declared, never guessed::

    equivalent:
      ex02_tensor_ops.add:swap_args:dbb1118c: >-
        addition is commutative: same values, dtype and device for every input

Each key is a mutant's stable id, each value the reason a reviewer accepted.  A mutant that is
equivalent only where the graders run on some devices (a tensor "moved" to the CPU on a machine
whose only device is the CPU) says so, and is judged like any other mutant elsewhere::

      ex07_optimization.train:force_cpu:fe62a356:
        reason: on a machine whose only device is the CPU, x.device is the CPU
        devices: [cpu]

An entry that no longer matches a mutant of the stubs under test is an error (the list must not
rot), and so is a "right answer" rewrite in the list (those must pass, they cannot be excused).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import CourseError

FILENAME = "selftest.yml"
DEVICES = ("cpu", "cuda", "mps")


@dataclass(frozen=True)
class Equivalent:
    reason: str
    devices: tuple[str, ...] | None = None     # None: on every device

    def applies(self, device_type: str) -> bool:
        return self.devices is None or device_type in self.devices
_ID = re.compile(r"^(?P<qual>[A-Za-z_][\w]*\.[A-Za-z_]\w*):(?P<op>[a-z_]+):(?P<hash>[0-9a-f]{8})$")


def load_equivalents(graders_dir: Path) -> dict[str, Equivalent]:
    """id -> its declaration; {} when the file does not exist."""
    path = Path(graders_dir) / FILENAME
    if not path.is_file():
        return {}
    shown = f"graders/{FILENAME}"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise CourseError(f"{shown}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or set(raw) - {"equivalent"}:
        raise CourseError(f"{shown}: expected one key, `equivalent:` (a mapping of mutant id to reason)")
    entries = raw.get("equivalent") or {}
    if not isinstance(entries, dict):
        raise CourseError(f"{shown}: `equivalent` must map each mutant id to the reason it is equivalent")
    out: dict[str, Equivalent] = {}
    for key, value in entries.items():
        if not isinstance(key, str) or not _ID.match(key):
            raise CourseError(f"{shown}: {key!r} is not a mutant id "
                              "(chapter.stub:operator:hash, as selftest prints it)")
        devices = None
        if isinstance(value, dict):
            if set(value) - {"reason", "devices"}:
                raise CourseError(f"{shown}: {key}: only `reason` and `devices` may be given")
            devices = value.get("devices")
            if devices is not None:
                if not isinstance(devices, list) or not devices or any(d not in DEVICES for d in devices):
                    raise CourseError(f"{shown}: {key}: `devices` lists where the mutant is equivalent, "
                                      f"from {', '.join(DEVICES)}")
                devices = tuple(devices)
            value = value.get("reason")
        if not isinstance(value, str) or len(value.strip()) < 10:
            raise CourseError(f"{shown}: {key}: give the reason this mutant is equivalent (a sentence)")
        out[key] = Equivalent(" ".join(value.split()), devices)
    return out


def _qualname(mutant_id: str) -> str:
    """The stub a mutant id names (ids were checked by :func:`load_equivalents`)."""
    match = _ID.match(mutant_id)
    assert match is not None, mutant_id
    return match.group("qual")


def check_equivalents(declared: dict[str, Equivalent], mutants, selected: set[str]) -> dict[str, Equivalent]:
    """The declared entries for the selected stubs, after checking each still names a wrong-answer
    mutant; CourseError listing every stale entry otherwise."""
    by_id = {m.id: m for m in mutants}
    mine = {k: v for k, v in declared.items() if _qualname(k) in selected}
    stale = sorted(k for k in mine if k not in by_id)
    right = sorted(k for k in mine if k in by_id and by_id[k].family != "wrong")
    problems = [f"  {k}: matches no mutant (the stub or the operator changed): remove or update it" for k in stale]
    problems += [f"  {k}: a right-answer rewrite cannot be declared equivalent: it must pass" for k in right]
    if problems:
        raise CourseError(f"graders/{FILENAME}: {len(problems)} entr{'y' if len(problems) == 1 else 'ies'} "
                          "to fix:\n" + "\n".join(problems))
    return mine
