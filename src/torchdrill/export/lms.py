"""The import files: Canvas's gradebook CSV and Moodle's grade import CSV.

Canvas (Grades → Import): the header is the roster's identity columns (``Student, ID, SIS User ID,
SIS Login ID, Section``) and one column named after the assignment; the second row is
``    Points Possible`` (four spaces, as Canvas writes it) with the assignment's points under it and
the identity cells empty; then one row per student of the roster.  An assignment column Canvas
does not know becomes a new assignment worth those points.

Moodle (Grades → Import → CSV file): the header is the roster's identity columns (the one to map
by among them, ``Email address`` by default) and one column named after the grade item; one row
per student.  At import, "Identify user by" maps that column, and the grade column is mapped to an
existing grade item or to a new one.

A student without a submission keeps an empty grade cell (neither LMS changes a grade it is given
empty); scores are plain numbers with ``.`` as the decimal point.  The side file
``<output stem>-unmatched.csv`` lists every student without a submission and every submission
without a student.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..fsutil import write_atomic
from ..report.load import load_results
from .csvsafe import csv_text, number
from .roster import Roster, check_column, default_match_column, match, read_roster

FORMATS = ("canvas", "moodle")
POINTS_POSSIBLE = "    Points Possible"


@dataclass(frozen=True)
class Export:
    path: Path
    side: Path
    fmt: str
    assignment: str
    points: float
    match_by: str
    matched: tuple[tuple[str, str], ...]             # (submission, the student's match-by value)
    no_submission: tuple[dict[str, str], ...]         # identity cells of each student without one
    no_student: tuple[tuple[str, str, float], ...]    # (submission, why, score)


def import_rows(fmt: str, roster: Roster, assignment: str, points: float, scores: dict[int, float]) -> list[list]:
    """The import file's rows: header, Canvas's points row, one row per student in roster order."""
    rows: list[list] = [[*roster.identity, assignment]]
    if fmt == "canvas":
        rows.append([POINTS_POSSIBLE, *[""] * (len(roster.identity) - 1), number(points)])
    for i, student in enumerate(roster.rows):
        rows.append([*(student.get(c, "") for c in roster.identity), number(scores[i]) if i in scores else ""])
    return rows


def side_rows(roster: Roster, match_by: str, missing: list[int], strays: list[tuple[str, str, float]]) -> list[list]:
    rows: list[list] = [["kind", "submission", match_by, "student", "score", "why"]]
    name_col = "Student" if "Student" in roster.identity else None
    for i in missing:
        s = roster.rows[i]
        who = s.get(name_col, "") if name_col else " ".join(s.get(c, "") for c in ("First name", "Last name")).strip()
        rows.append(["no submission", "", s.get(match_by, ""), who, "", "no graded submission matches this student"])
    for name, why, score in strays:
        rows.append(["no student", name, "", "", number(score), why])
    return rows


def export_grades(folder: Path, fmt: str, roster_path: Path, *, match_by: str | None = None,
                  assignment: str | None = None, out: Path | None = None) -> Export:
    """Write the import file for ``fmt`` from the graded ``folder`` and the ``roster``; see the module
    docstring.  Returns what was written and what did not match."""
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder; give the --out folder of `torchdrill grade`")
    graded = load_results(folder)
    if not graded:
        raise UsageError(f"{folder}: no graded submission here (no <name>.json results and no run state); "
                         "grade the class first: torchdrill grade SUBMISSIONS --out DIR")
    roster = read_roster(roster_path, fmt)
    column = check_column(roster, match_by) if match_by else default_match_column(roster, fmt)
    scores_by_name = {g.name: g.result.score for g in graded}
    points = max(g.result.max_score for g in graded)
    name = assignment or f"torchdrill {folder.resolve().name}"
    m = match(roster, column, list(scores_by_name))
    scores = {i: scores_by_name[n] for i, n in m.by_row.items()}
    out = Path(out) if out else folder / f"{fmt}.csv"
    side = out.with_name(f"{out.stem}-unmatched.csv")
    strays = [(n, why, scores_by_name[n]) for n, why in m.no_student]
    write_atomic(out, csv_text(import_rows(fmt, roster, name, points, scores)))
    write_atomic(side, csv_text(side_rows(roster, column, m.no_submission, strays)))
    return Export(
        path=out, side=side, fmt=fmt, assignment=name, points=points, match_by=column,
        matched=tuple((n, roster.rows[i].get(column, "")) for i, n in sorted(m.by_row.items())),
        no_submission=tuple({c: roster.rows[i].get(c, "") for c in roster.identity} for i in m.no_submission),
        no_student=tuple(strays))
