"""Grading mutants through the normal engine: one submission folder per mutant, ONE batch.

    WORK/subs/<mutant>/<chapter>.py     the solution module with exactly one stub mutated
    WORK/subs/reference--<chapter>/     the solution module as it is (the baseline)
    grade_batch(WORK/subs/*, WORK/out)  the same sandbox, graders and hidden checks students get
    WORK/out/<name>.json                read back: points per stub

Only the mutated chapter's file is in a submission; the other chapters are "missing" and cost
next to nothing.  When the run is about one chapter or one stub, the batch is told so (``only``)
and grades nothing else.  ``grade_batch`` is the public batch API: whatever makes it faster makes
the self-test faster.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import GraderError
from .mutants import Mutant

if TYPE_CHECKING:
    from ..course import Course

REFERENCE = "reference--"


@dataclass(frozen=True)
class StubGrade:
    score: float
    max_score: float
    failed: tuple[str, ...]          # titles of the checks that did not pass
    grader_error: bool

    @property
    def full(self) -> bool:
        return self.score >= self.max_score - 1e-9


def folder_name(mutant: Mutant) -> str:
    return mutant.id.replace(":", "--")


def write_submissions(mutants: list[Mutant], chapters: list[str], solutions_dir: Path, subs: Path) -> dict[str, Path]:
    """One folder per mutant and one per chapter's unmutated reference; name -> folder."""
    folders: dict[str, Path] = {}
    for chapter in chapters:
        d = subs / f"{REFERENCE}{chapter}"
        d.mkdir(parents=True, exist_ok=True)
        source = (solutions_dir / f"{chapter}.py").read_text(encoding="utf-8")
        (d / f"{chapter}.py").write_text(source, encoding="utf-8")
        folders[d.name] = d
    for m in mutants:
        d = subs / folder_name(m)
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{m.chapter}.py").write_text(m.source, encoding="utf-8")
        folders[d.name] = d
    return folders


def stub_grades(result_json: Path) -> dict[str, StubGrade]:
    """qualname -> its points in one results.json (Gradescope format, tags carry the qualname)."""
    data = json.loads(result_json.read_text(encoding="utf-8"))
    acc: dict[str, list[Any]] = {}
    for t in data.get("tests", []):
        tags = t.get("tags") or []
        if len(tags) < 3:
            continue
        qual, outcome = tags[1], tags[2]
        row = acc.setdefault(qual, [0.0, 0.0, [], False])
        row[0] += float(t.get("score") or 0.0)
        row[1] += float(t.get("max_score") or 0.0)
        if outcome != "passed":
            row[2].append(str(t.get("name", "")).split(": ", 1)[-1])
        if outcome == "grader_error":
            row[3] = True
    return {q: StubGrade(round(s, 6), round(m, 6), tuple(f), e) for q, (s, m, f, e) in acc.items()}


Grades = dict[str, dict[str, StubGrade]]       # submission (mutant id or chapter) -> qualified stub -> grade


def grade_mutants(mutants: list[Mutant], course: Course, work: Path, *, only: str | None, lang: str, device: str,
                  jobs: int | None, progress: bool, restart: bool = False) -> tuple[Grades, Grades]:
    """Grade every mutant and each chapter's reference in one batch.

    Returns (mutant id -> grades, chapter -> the reference's grades)."""
    from ..batch import EXIT_INTERRUPTED, grade_batch

    chapters = sorted({m.chapter for m in mutants})
    subs, out = work / "subs", work / "out"
    folders = write_submissions(mutants, chapters, course.solutions_dir, subs)
    rc = grade_batch(list(folders.values()), out, course, lang=lang, device=device, jobs=jobs, only=only,
                     progress=progress, restart=restart)
    if rc == EXIT_INTERRUPTED:
        raise KeyboardInterrupt
    grades: Grades = {}
    for name in folders:
        path = out / f"{name}.json"
        if not path.is_file():
            raise GraderError(f"selftest: the batch wrote no result for {name} in {out}")
        grades[name] = stub_grades(path)
    reference = {c: grades.pop(f"{REFERENCE}{c}") for c in chapters}
    by_id = {m.id: grades[folder_name(m)] for m in mutants}
    return by_id, reference
