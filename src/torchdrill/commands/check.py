"""``torchdrill check [CHAPTER | CHAPTER.STUB]``: a student checks their work against the visible checks.

Run from the student's folder (the release bundle; course.yml is found upward).  The work in
``exercises/`` (or ``--dir``) is graded in the same sandbox as real grading, visible checks only,
and shown as a table per chapter.  Exit status 0 only when every visible check passed.
"""
from __future__ import annotations

import dataclasses
import sys
import traceback
from pathlib import Path

from ..course import load_course
from ..errors import UsageError
from ..safe_text import terminal
from ..i18n import choose_language, translation


def add_arguments(p) -> None:
    p.add_argument("target", nargs="?", metavar="CHAPTER[.STUB]", default=None,
                   help="check one chapter or one function (default: every chapter)")
    p.add_argument("--dir", type=Path, default=None, metavar="DIR",
                   help="folder holding your chapter files (default: exercises/ beside course.yml)")
    p.add_argument("--course", type=Path, default=None, help="course.yml or its folder (default: search upward)")
    p.add_argument("--lang", choices=["ko", "en"], default=None)
    p.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default=None)


def run(args) -> int:
    course = load_course(args.course)
    lang = choose_language(args.lang, course.language)
    return check(course, target=args.target, folder=args.dir, lang=lang, device=args.device or course.device)


def check(course, *, target: str | None = None, folder: Path | None = None, lang: str = "en",
          device: str = "auto", console=None, session=None) -> int:
    """Grade ``folder`` against the visible checks of ``target`` and print the report; 0 when all passed.

    ``session``: a :class:`~torchdrill.session.GradingSession` with ``visible_only`` (and no
    selection of its own) to reuse, e.g. for a notebook's check cells; by default one is started
    and closed here."""
    from rich.console import Console

    from ..release import check_counts
    from ..session import GradingSession
    from ..render.check_table import print_check, stub_rows
    from ..results import Outcome, SubmissionResult

    _ = translation(lang).gettext
    console = console or Console(highlight=False)
    selected = course.select(target)           # an unknown name fails here, with a did-you-mean
    folder = Path(folder) if folder is not None else course.exercises_dir
    if not folder.exists():
        raise UsageError(_("{folder}: not found; give the folder with your chapter files with --dir.").format(
            folder=folder))
    counts = check_counts(course)
    order = [f"{c.id}.{s}" for c, stubs in selected for s in stubs]
    console.print(terminal(_("Checking {folder} against the visible checks ({n}) …").format(
        folder=_shown(folder), n=sum(counts[q]["visible"] for q in order))), markup=False)
    own = session is None
    if own:
        session = GradingSession(course, lang=lang, device=device, select=target, visible_only=True, warm=False)
    try:
        session.start(wait=False)         # the graders are collected while the sandbox warms up
        result = session.grade(folder, select=target)
    except Exception as exc:  # the checker itself broke: say so plainly, never as the student's fault
        sys.stderr.write(terminal(traceback.format_exc()))
        result = SubmissionResult(submission=folder.name, checks=(), lang=lang, error=f"{type(exc).__name__}: {exc}")
    finally:
        if own:
            session.close()
    # A stub whose checks are all hidden has no visible record: grading files that as "no check
    # found"; here it simply has no visible check.
    checks = tuple(c for c in result.checks
                   if not (c.outcome is Outcome.GRADER_ERROR and counts.get(c.qualname, {}).get("visible", 0) == 0))
    result = dataclasses.replace(result, checks=checks)
    rows = stub_rows(result, counts, order)
    print_check(result, rows, {c.id: c.title.in_(lang) for c in course.chapters}, console)
    ok = not result.error and all(c.outcome.passed for c in result.checks)
    return 0 if ok else 1


def _shown(folder: Path) -> str:
    try:
        return str(folder.resolve().relative_to(Path.cwd().resolve())) + "/"
    except ValueError:
        return str(folder)
