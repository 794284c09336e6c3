"""``torchdrill selftest``: grade mutants of the reference solutions to see what the graders miss.

    mutants.py      one change in one stub of solutions/, with a stable id   (operators.py: the changes)
    equivalents.py  graders/selftest.yml, the reviewed list of equivalent mutants
    runner.py       every mutant as a submission folder, graded in ONE batch by the normal engine
    report.py       killed / survived / equivalent per stub; JSON and terminal tables

NB: the equivalents are checked against the mutants before anything is graded, so a stale entry
costs no grading time.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .equivalents import check_equivalents, load_equivalents
from .mutants import Mutant, mutate_course
from .operators import OPERATORS, operators
from .report import SelftestReport, print_report, to_json, verdicts, write_json

if TYPE_CHECKING:
    from ..course import Course

__all__ = [
    "OPERATORS",
    "Mutant",
    "SelftestReport",
    "mutate_course",
    "operators",
    "print_report",
    "run_selftest",
    "to_json",
    "write_json",
]


def run_selftest(course: Course, spec: str | None = None, *, jobs: int | None = None, lang: str = "en",
                 device: str = "cpu", progress: bool = True, work: Path | None = None,
                 restart: bool = False) -> SelftestReport:
    """Make the mutants of the selected stubs (``spec``: None, CHAPTER or CHAPTER.STUB), grade them
    in one batch and judge each.  ``work`` keeps the submissions and results (and lets an
    interrupted run resume); by default they go to a temporary folder that is removed."""
    from ..errors import GraderError
    from .runner import grade_mutants

    started = time.monotonic()
    selected = course.qualnames(spec)
    mutants = mutate_course(course, spec)
    equivalents = check_equivalents(load_equivalents(course.graders_dir), mutants, set(selected))
    device_type = _device_type(device)
    active = {k: e.reason for k, e in equivalents.items() if e.applies(device_type)}
    only = spec
    own = work is None
    folder = Path(work) if work is not None else Path(tempfile.mkdtemp(prefix="torchdrill-selftest-"))
    try:
        grades, reference = grade_mutants(mutants, course, folder, only=only, lang=lang, device=device, jobs=jobs,
                                          progress=progress, restart=restart)
    finally:
        if own:
            shutil.rmtree(folder, ignore_errors=True)
    # Each reference submission holds one chapter's file: only that chapter's stubs count.
    broken = [f"{q} ({'; '.join(g.failed[:2])})" for chapter, grades_ in reference.items()
              for q, g in grades_.items() if q in selected and q.startswith(chapter + ".") and not g.full]
    if broken:
        raise GraderError("selftest: the reference solution itself loses points, so no mutant can be judged; "
                          "fix these first: " + ", ".join(broken[:10]) + (" …" if len(broken) > 10 else ""))
    judged, problems = verdicts(mutants, grades, active)
    return SelftestReport(stubs=tuple(selected), verdicts=tuple(judged), seconds=time.monotonic() - started,
                          problems=tuple(problems), device=device_type)


def _device_type(device: str) -> str:
    """Where the graders will run: ``auto`` resolved as the engine resolves it."""
    if device != "auto":
        return device
    from ..grade import resolve_device

    return resolve_device(device).type
