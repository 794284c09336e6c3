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

from ..errors import UsageError
from ..i18n import choose_language, translation
from ..safe_text import terminal


def add_arguments(p) -> None:
    p.add_argument("target", nargs="?", metavar="CHAPTER[.STUB]", default=None,
                   help="check one chapter or one function (default: every chapter)")
    p.add_argument("--dir", type=Path, default=None, metavar="DIR",
                   help="folder holding your chapter files (default: exercises/ beside course.yml)")
    p.add_argument("--course", type=Path, default=None, help="course.yml or its folder (default: search upward)")
    p.add_argument("--lang", choices=["ko", "en"], default=None)
    p.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default=None)
    p.add_argument("--sandbox", choices=["auto", "full", "portable"], default="auto",
                   help="where your code runs: the full Linux sandbox, the portable one (macOS, Windows), "
                        "or auto: full where it can run, else portable")


def run(args) -> int:
    launched = _launch_early(args.sandbox)
    try:
        from ..course import load_course

        course = load_course(args.course)
        lang = choose_language(args.lang, course.language)
        code = check(course, target=args.target, folder=args.dir, lang=lang, device=args.device or course.device,
                     sandbox=args.sandbox, launched=launched)
    except BaseException:
        if launched is not None and launched.sock.fileno() != -1:
            launched.close()              # nobody adopted it: the command failed before grading
        raise
    return code


#: the command ends everything it started before it returns, so the ``torchdrill`` command may
#: leave without tearing torch's modules down (a few tenths of a second a student waits for
#: after every check); see :func:`torchdrill.cli.main`
LEAVE_AT_ONCE = True


def _launch_early(sandbox: str | None):
    """The zygote's process, started before anything else so that its ``import torch`` runs while
    this process loads the course and its own torch; None where the full sandbox is not the one."""
    from ..sandbox import backend
    from ..sandbox.launch import launch

    try:
        if backend.resolve(sandbox) != "full" or not backend.full_available()[0]:
            return None
    except ValueError:
        return None
    return launch()


def check(course, *, target: str | None = None, folder: Path | None = None, lang: str = "en",
          device: str = "auto", console=None, session=None, sandbox: str | None = None, launched=None) -> int:
    """Grade ``folder`` against the visible checks of ``target`` and print the report; 0 when all passed.

    ``session``: a :class:`~torchdrill.session.GradingSession` with ``visible_only`` (and no
    selection of its own) to reuse, e.g. for a notebook's check cells; by default one is started
    and closed here.  ``sandbox``: auto | full | portable (:mod:`torchdrill.sandbox.backend`);
    ``launched``: a zygote already starting (:mod:`torchdrill.sandbox.launch`) for that session."""
    from rich.console import Console

    from ..release import check_counts

    _ = translation(lang).gettext
    console = console or Console(highlight=False)
    order = course.qualnames(target)           # an unknown name fails here, with a did-you-mean
    folder = Path(folder) if folder is not None else course.exercises_dir
    if not folder.exists():
        raise UsageError(_("{folder}: not found; give the folder with your chapter files with --dir.").format(
            folder=folder))
    counts = check_counts(course)
    console.print(terminal(_("Checking {folder} against the visible checks ({n}) …").format(
        folder=_shown(folder), n=sum(counts[q]["visible"] for q in order))), markup=False)
    box = None
    if session is None:
        box, session = _own_session(course, target, lang, device, sandbox, console, launched)
    try:
        result, used = _grade_visible(session, folder, target, lang, device)
    finally:
        if box is not None:
            session.close()
            box.close()
    return _report(course, result, counts, order, used, lang, console)


def _own_session(course, target: str | None, lang: str, device: str, sandbox: str | None, console, launched=None):
    """A sandbox of the kind asked for and a visible-only session in it, for one check run."""
    from ..grade import new_sandbox
    from ..sandbox import backend
    from ..session import GradingSession

    _ = translation(lang).gettext
    kind = backend.resolve(sandbox)
    if kind == "full" and not backend.full_available()[0]:
        raise UsageError(_("--sandbox full: {why}; use --sandbox portable.").format(
            why=backend.full_available()[1]))
    box = new_sandbox(course, "cpu", sandbox=kind)
    box.warm = False
    if kind == "full":
        box.start(launched)            # adopts the zygote started early, if there is one
    console.print(terminal(_isolation_line(kind, _)), markup=False)
    return box, GradingSession(course, lang=lang, device=device, select=target, visible_only=True, warm=False,
                               sandbox=box)


def _grade_visible(session, folder: Path, target: str | None, lang: str, device: str):
    """(the result, the device it ran on); a checker that broke gives a result that says so."""
    from ..results import SubmissionResult

    try:
        session.start(wait=False)         # the graders are collected while the sandbox warms up
        result = session.grade(folder, select=target)
        return result, str(session.device or device)
    except Exception as exc:  # the checker itself broke: say so plainly, never as the student's fault
        sys.stderr.write(terminal(traceback.format_exc()))
        return (SubmissionResult(submission=folder.name, checks=(), lang=lang, error=f"{type(exc).__name__}: {exc}"),
                str(device))


def _report(course, result, counts: dict, order: list[str], used: str, lang: str, console) -> int:
    """Print the table of visible checks; 0 when every one passed."""
    from ..render.check_table import print_check, stub_rows
    from ..results import Outcome

    _ = translation(lang).gettext
    # A stub whose checks are all hidden has no visible record: grading files that as "no check
    # found"; here it simply has no visible check.
    checks = tuple(c for c in result.checks
                   if not (c.outcome is Outcome.GRADER_ERROR and counts.get(c.qualname, {}).get("visible", 0) == 0))
    checks, unsupported = _without_unsupported_dtype(checks, used)
    result = dataclasses.replace(result, checks=checks)
    rows = stub_rows(result, counts, order)
    print_check(result, rows, {c.id: c.title.in_(lang) for c in course.chapters}, console)
    if unsupported:
        console.print(terminal(_(
            "{n} visible checks use float64, which the {device} device does not support: they were not run "
            "here and are not counted. Run `torchdrill check --device cpu` to run them too; your work is graded "
            "on a device that has float64.").format(n=len(unsupported), device=unsupported[0])), markup=False)
    ok = not result.error and all(c.outcome.passed for c in result.checks)
    return 0 if ok else 1


def _isolation_line(kind: str, _) -> str:
    """The line that says where the student's code ran."""
    if kind == "full":
        return _("Sandbox: full (Linux: namespaces and a memory cgroup where this account may create them, "
                 "and limits).")
    return _("Sandbox: portable (a separate process with time, CPU, memory and output limits; "
             "it is not isolated from your files).")


#: what torch says when a device has no float64 (MPS: "Cannot convert a MPS Tensor to float64 dtype
#: as the MPS framework doesn't support float64")
_NO_FLOAT64 = ("doesn't support float64", "does not support float64", "not supported on MPS")


def _without_unsupported_dtype(checks: tuple, device: str) -> tuple[tuple, list[str]]:
    """On a device without float64 (MPS), the checks that broke on it are not the student's fault
    and not a verdict: they are taken out of the table and named in a note instead.  Only grader
    errors whose cause is that (their staff note says so) are taken out, and only off cpu/cuda."""
    from ..results import Outcome

    if device.split(":")[0] in ("cpu", "cuda"):
        return checks, []
    kept, dropped = [], []
    for c in checks:
        if c.outcome is Outcome.GRADER_ERROR and "float64" in c.node and any(s in c.node for s in _NO_FLOAT64):
            dropped.append(device.split(":")[0])
        else:
            kept.append(c)
    return tuple(kept), dropped


def _shown(folder: Path) -> str:
    try:
        return str(folder.resolve().relative_to(Path.cwd().resolve())) + "/"
    except ValueError:
        return str(folder)
