"""gradebook.csv: one row per submission, one column per stub (course order), and the total.

Rows are sorted by submission name and numbers are written the same way every time, so that
the same results give a byte-identical file (reruns, resumed runs).  Every cell goes through
:func:`torchdrill.safe_text.csv_cell`: a submission named ``=HYPERLINK(…)`` or ``@SUM(…)`` is text
in a spreadsheet, never a formula (OWASP's CSV injection advice).  Nothing here imports torch.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from ..fsutil import write_atomic
from ..results import SubmissionResult
from ..safe_text import csv_row


def columns(course, only: str | None = None) -> list[str]:
    """The stub columns: qualified names of the graded stubs, in course order."""
    return course.qualnames(only)


def _num(x: float) -> str:
    x = round(float(x), 4)
    return f"{x:g}" if x != 0 else "0"


def gradebook_csv(results: Iterable[SubmissionResult], stubs: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(csv_row(["submission", *stubs, "total"]))
    for r in sorted(results, key=lambda r: r.submission):
        scores = r.stub_scores()
        w.writerow(csv_row([r.submission, *[_num(scores.get(q, 0.0)) for q in stubs], _num(r.score)]))
    return buf.getvalue()


def write_gradebook(results: Iterable[SubmissionResult], stubs: list[str], path: Path) -> None:
    write_atomic(path, gradebook_csv(results, stubs))
