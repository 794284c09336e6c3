"""The reviewed list of equivalent mutants: ``graders/selftest.yml``.

A mutant that no grader can kill because it does not change what the stub does (``torch.add(b, a)``
for ``torch.add(a, b)``) is declared, never guessed::

    equivalent:
      ex02_tensor_ops.add:swap_args:dbb1118c: >-
        addition is commutative: same values, dtype and device for every input

Each key is a mutant's stable id, each value the reason a reviewer accepted.  An entry that no
longer matches a mutant of the stubs under test is an error (the list must not rot), and so is a
"right answer" rewrite in the list (those must pass, they cannot be excused).
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from ..errors import CourseError

FILENAME = "selftest.yml"
_ID = re.compile(r"^(?P<qual>[A-Za-z_][\w]*\.[A-Za-z_]\w*):(?P<op>[a-z_]+):(?P<hash>[0-9a-f]{8})$")


def load_equivalents(graders_dir: Path) -> dict[str, str]:
    """id -> reason; {} when the file does not exist."""
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
    out: dict[str, str] = {}
    for key, reason in entries.items():
        if not isinstance(key, str) or not _ID.match(key):
            raise CourseError(f"{shown}: {key!r} is not a mutant id (chapter.stub:operator:hash, as selftest prints it)")
        if not isinstance(reason, str) or len(reason.strip()) < 10:
            raise CourseError(f"{shown}: {key}: give the reason this mutant is equivalent (a sentence)")
        out[key] = reason.strip()
    return out


def check_equivalents(declared: dict[str, str], mutants, selected: set[str]) -> dict[str, str]:
    """The declared entries for the selected stubs, after checking each still names a wrong-answer
    mutant; CourseError listing every stale entry otherwise."""
    by_id = {m.id: m for m in mutants}
    mine = {k: v for k, v in declared.items() if _ID.match(k).group("qual") in selected}
    stale = sorted(k for k in mine if k not in by_id)
    right = sorted(k for k in mine if k in by_id and by_id[k].family != "wrong")
    problems = [f"  {k}: matches no mutant (the stub or the operator changed): remove or update it" for k in stale]
    problems += [f"  {k}: a right-answer rewrite cannot be declared equivalent: it must pass" for k in right]
    if problems:
        raise CourseError(f"graders/{FILENAME}: {len(problems)} entr{'y' if len(problems) == 1 else 'ies'} "
                          "to fix:\n" + "\n".join(problems))
    return mine
