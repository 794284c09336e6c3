"""The grading process autograder-test cells use: ``python -I -m torchdrill.nbgrader.cellgrade --serve``.

With ``--serve`` (what cell.py starts, once per kernel) it reads one JSON request per line on
stdin (course, chapter, stub, points, visible_only, the cells' source) and answers each with one
line ``{"score": float, "max_score": float, "lines": [...], "error": bool}``, until the kernel closes
the pipe; one sandbox stays warm in between.  Each request: the cells are written to
``<chapter>.py`` in a temporary folder and that one stub is graded with
one :class:`torchdrill.session.GradingSession` (the student's code runs only in the sandbox); the score
is clamped to the cell's points, the lines are the teaching messages in the course language.
Staff-only details (grader test ids, grader exceptions) are never sent.  ``--out FILE`` grades the
one request on stdin and writes the report to FILE (for debugging).
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..results import Outcome, SubmissionResult
from ..session import Submission

if TYPE_CHECKING:
    from ..course import Course
    from ..session import GradingSession


def report_lines(result: SubmissionResult, qualname: str, *, visible_only: bool, points: float) -> list[str]:
    from ..i18n import gettext_for
    from ..render.gradescope import outcome_label

    result = result.localized(result.lang)        # every title, message and note from the structure
    _ = gettext_for(result.lang)
    earned = min(result.stub_scores().get(qualname, 0.0), points)
    lines = [f"{qualname}: {earned:g} / {points:g}"]
    for c in result.checks:
        if c.qualname != qualname:
            continue
        mark = "✓" if c.outcome.passed else "✗"
        head = f"  {mark} {c.title} ({c.score:g}/{c.max_score:g})"
        if not c.outcome.passed:
            head += f" [{outcome_label(c.outcome, result.lang)}]"
        lines.append(head)
        if not c.outcome.passed and c.message and c.outcome is not Outcome.NOT_IMPLEMENTED:
            lines += ["      " + m for m in c.message.splitlines()]
    lines += [f"  • {n}" for n in result.notes]
    if visible_only:
        lines.append("  " + _("(more checks, hidden ones, run when the notebook is graded)"))
    return lines


class CellGrader:
    """Grades cell after cell for one kernel: one grading session (a warm sandbox, the graders
    collected once) for all of a kernel's requests, started at the first."""

    def __init__(self) -> None:
        self.course: Course | None = None
        self.session: GradingSession | None = None

    def _ready(self, course_path: str):
        import os

        from ..course import load_course
        from ..i18n import choose_language
        from ..session import GradingSession

        course = self.course
        if course is None or str(course.root) != str(Path(course_path).resolve()):
            self.close()
            course = self.course = load_course(course_path)
        if self.session is None:
            lang = choose_language(os.environ.get("TORCHDRILL_LANG"), course.language)
            self.session = GradingSession(course, lang=lang, device=course.device).start()
        return course, self.session

    def submissions(self, requests: Iterable[dict], folder: Path, answer: Callable[[dict], None]) -> Iterator:
        """Each request as a one-stub submission (its cells as ``<chapter>.py``); ``answer`` gets the
        report of each, or of a request that could not even be staged."""
        from ..submission import code_cells_to_source

        for n, payload in enumerate(requests):
            try:
                course, _session = self._ready(str(payload["course"]))
                chapter = course.chapter(str(payload["chapter"]))
                stub = str(payload["stub"])
                qual = chapter.qualname(stub)
                course.select(qual)                           # an unknown stub fails here, by name
                points = min(float(payload.get("points", chapter.stubs[stub])), float(chapter.stubs[stub]))
                visible_only = bool(payload.get("visible_only", True))
                path = folder / str(n) / chapter.filename
                path.parent.mkdir()
                path.write_text(code_cells_to_source([str(c) for c in payload.get("cells", [])]), encoding="utf-8")
            except Exception as exc:
                traceback.print_exc(file=sys.stderr)
                answer(_failure(exc))
                continue
            yield _Request(path, chapter.id, select=qual, visible_only=visible_only, points=points)

    def serve(self, requests: Iterable[dict], answer: Callable[[dict], None]) -> None:
        """Grade every request as it comes, in one session; the session starts with the first."""
        with tempfile.TemporaryDirectory(prefix="torchdrill-nb-") as d:
            pending = iter(self.submissions(requests, Path(d), answer))
            first = next(pending, None)
            if first is None:
                return

            def report(sub: Submission, result: SubmissionResult) -> None:
                assert isinstance(sub, _Request) and isinstance(sub.select, str)   # as submissions() yields them
                score = round(max(0.0, min(result.stub_scores().get(sub.select, 0.0), sub.points)), 6)
                answer({"score": score, "max_score": sub.points, "error": bool(result.error),
                        "lines": report_lines(result, sub.select, visible_only=bool(sub.visible_only),
                                              points=sub.points)})

            assert self.session is not None            # started by the first request
            self.session.grade_many(itertools.chain([first], pending), report)

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
        self.session = None


@dataclass
class _Request(Submission):
    points: float = 0.0


def _failure(exc: BaseException) -> dict:
    """The report when grading broke: in the kernel's language ($TORCHDRILL_LANG), else in all."""
    import os

    from ..messages import msg
    from ..render import in_language

    text = in_language(msg("torchdrill: grading failed ({error}); this is not your fault, please tell the course "
                           "staff.", error=type(exc).__name__), os.environ.get("TORCHDRILL_LANG"), sep="\n")
    return {"score": 0.0, "error": True, "lines": text.splitlines()}


def serve(requests, replies) -> None:
    """One JSON request per line in, one JSON report per line out, until the kernel closes the pipe."""
    def answer(report: dict) -> None:
        replies.write(json.dumps(report, ensure_ascii=False) + "\n")
        replies.flush()

    def parsed():
        for line in requests:
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError as exc:
                    answer(_failure(exc))

    grader = CellGrader()
    try:
        grader.serve(parsed(), answer)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        answer(_failure(exc))
    finally:
        grader.close()


def main(argv: list[str] | None = None) -> int:
    import os

    ap = argparse.ArgumentParser(prog="python -m torchdrill.nbgrader.cellgrade")
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--serve", action="store_true", help="answer requests on stdin until it closes")
    mode.add_argument("--out", type=Path, help="grade the one request on stdin, write the report to OUT")
    args = ap.parse_args(argv)
    if args.serve:
        # The protocol gets the real stdout; anything else printing to fd 1 goes to stderr instead.
        replies = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        serve(sys.stdin, replies)
        return 0
    grader = CellGrader()
    reports: list[dict] = []
    try:
        grader.serve([json.loads(sys.stdin.read())], reports.append)
    finally:
        grader.close()
    report = reports[0] if reports else _failure(RuntimeError("no report"))
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    tmp.replace(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
