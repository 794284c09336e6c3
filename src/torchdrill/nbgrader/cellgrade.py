"""The grading process autograder-test cells use: ``python -I -m torchdrill.nbgrader.cellgrade --serve``.

With ``--serve`` (what cell.py starts, once per kernel) it reads one JSON request per line on
stdin (course, chapter, stub, points, visible_only, the cells' source) and answers each with one
line ``{"score": float, "max_score": float, "lines": [...], "error": bool}``, until the kernel closes
the pipe; one sandbox stays warm in between.  Each request: the cells are written to
``<chapter>.py`` in a temporary folder and that one stub is graded with
:func:`torchdrill.grade.grade_submission` (the student's code runs only in the sandbox); the score
is clamped to the cell's points, the lines are the teaching messages in the course language.
Staff-only details (grader test ids, grader exceptions) are never sent.  ``--out FILE`` grades the
one request on stdin and writes the report to FILE (for debugging).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import traceback
from pathlib import Path

from ..results import Outcome, SubmissionResult


def report_lines(result: SubmissionResult, qualname: str, *, visible_only: bool, points: float) -> list[str]:
    from ..i18n import gettext_for
    from ..render.gradescope import outcome_label

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
        lines.append("  (숨겨진 검사는 채점할 때 더 실행됩니다 / more checks, hidden ones, run when the notebook is graded)")
    return lines


class CellGrader:
    """Grades cell after cell for one kernel, with one warm sandbox (started at the first request)."""

    def __init__(self) -> None:
        self.course = None
        self.sandbox = None
        self.device = None

    def _ready(self, course_path: str):
        from ..course import load_course
        from ..grade import new_sandbox, resolve_device

        if self.course is None or str(self.course.root) != str(Path(course_path).resolve()):
            self.close()
            self.course = load_course(course_path)
        if self.sandbox is None:
            self.sandbox = new_sandbox(self.course, "cpu")
            self.sandbox.start()
            self.device = resolve_device(self.course.device)
            self.sandbox.limits = new_sandbox(self.course, self.device).limits
        return self.course, self.sandbox

    def grade(self, payload: dict) -> dict:
        import os

        from ..grade import failed_result, grade_submission
        from ..i18n import choose_language
        from ..submission import code_cells_to_source

        course, sandbox = self._ready(str(payload["course"]))
        chapter = course.chapter(str(payload["chapter"]))
        stub = str(payload["stub"])
        qual = chapter.qualname(stub)
        course.select(qual)                                   # an unknown stub fails here, by name
        points = min(float(payload.get("points", chapter.stubs[stub])), float(chapter.stubs[stub]))
        visible_only = bool(payload.get("visible_only", True))
        lang = choose_language(os.environ.get("TORCHDRILL_LANG"), course.language)
        cells = [str(c) for c in payload.get("cells", [])]
        with tempfile.TemporaryDirectory(prefix="torchdrill-nb-") as d:
            path = Path(d) / chapter.filename
            path.write_text(code_cells_to_source(cells), encoding="utf-8")
            try:
                result = grade_submission(path, course, sandbox, lang=lang, device=self.device, select=qual,
                                          visible_only=visible_only, name=chapter.id)
            except Exception as exc:  # grading itself broke: an honest 0 with a message
                traceback.print_exc(file=sys.stderr)
                result = failed_result(course, chapter.id, f"{type(exc).__name__}: {exc}", lang=lang, select=qual)
        score = round(max(0.0, min(result.stub_scores().get(qual, 0.0), points)), 4)
        return {"score": score, "max_score": points, "error": bool(result.error),
                "lines": report_lines(result, qual, visible_only=visible_only, points=points)}

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()
        self.sandbox = None


def _failure(exc: BaseException) -> dict:
    return {"score": 0.0, "error": True, "lines": [
        f"torchdrill: grading failed ({type(exc).__name__}); this is not your fault, please tell the course "
        "staff. / 채점에 실패했습니다. 학생의 잘못이 아니니 담당자에게 알려 주세요."]}


def serve(requests, replies) -> None:
    """One JSON request per line in, one JSON report per line out, until the kernel closes the pipe."""
    grader = CellGrader()
    try:
        for line in requests:
            if not line.strip():
                continue
            try:
                report = grader.grade(json.loads(line))
            except Exception as exc:
                traceback.print_exc(file=sys.stderr)
                report = _failure(exc)
            replies.write(json.dumps(report, ensure_ascii=False) + "\n")
            replies.flush()
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
    try:
        report = grader.grade(json.loads(sys.stdin.read()))
    finally:
        grader.close()
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    tmp.replace(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
