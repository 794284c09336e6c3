"""``torchdrill grade``: one submission to a results.json, or many into a folder."""
from __future__ import annotations

import sys
import traceback
from pathlib import Path

from ..course import load_course
from ..errors import GraderError, UsageError
from ..i18n import choose_language
from ..safe_text import terminal


def add_arguments(g) -> None:
    g.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION")
    out = g.add_mutually_exclusive_group()
    out.add_argument("--json", type=Path, metavar="FILE", help="results.json for a single submission")
    out.add_argument("--out", type=Path, metavar="DIR", help="folder for DIR/<name>.json and DIR/gradebook.csv")
    g.add_argument("--course", type=Path, default=None, help="course.yml or its folder (default: search upward)")
    g.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default=None)
    g.add_argument("--lang", choices=["ko", "en"], default=None)
    g.add_argument("--jobs", "-j", type=int, default=None, help="parallel workers (default: all cores)")
    g.add_argument("--only", metavar="CHAPTER[.STUB]", default=None, help="grade one chapter or stub")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
    g.add_argument("--sandbox", choices=["auto", "full", "portable"], default="auto",
                   help="auto (the default) needs the full Linux sandbox; portable (macOS, Windows) does not "
                        "confine student code: not safe for untrusted submissions")
    g.add_argument("--restart", action="store_true",
                   help="with --out: forget the folder's earlier results and grade everything again")
    g.add_argument("--cluster", metavar="ADDRESS", default=None,
                   help="with --out: grade on a Dask cluster, tcp://host:8786 (its scheduler) or local:N "
                        "(N worker processes here); needs torchdrill[cluster]")
    g.add_argument("--nbgrader", type=Path, metavar="COURSE_DIR", default=None,
                   help="grade COURSE_DIR/submitted/*/ASSIGNMENT/ in the sandbox and write the scores into "
                        "nbgrader's gradebook (the one SUBMISSION is then the ASSIGNMENT)")


def run(args) -> int:
    course = load_course(args.course)
    lang = choose_language(args.lang, course.language)
    if (course.graders_dir / "release.json").is_file():
        raise UsageError("this is a student bundle: it holds only the visible checks, so it cannot give a grade; "
                         "run `torchdrill check` to check your work")
    if args.only:
        course.select(args.only)          # unknown names fail here, with a did-you-mean
    choose_sandbox(args.sandbox)
    if args.nbgrader is not None:         # torchdrill grade --nbgrader COURSE_DIR ASSIGNMENT
        from ..nbgrader.fastpath import run_from_args

        return run_from_args(args, course, lang)
    if args.json is not None:
        if args.cluster:
            raise UsageError("--cluster grades a batch: use --out DIR, not --json")
        if len(args.submissions) != 1:
            raise UsageError("--json takes exactly one submission; use --out DIR for several")
        return grade_one(args.submissions[0], args.json, course, lang=lang, device=args.device or course.device,
                         only=args.only)
    out = args.out or Path("torchdrill-results")
    if args.cluster:
        from ..cluster import grade_on_cluster

        return grade_on_cluster(args.submissions, out, course, address=args.cluster, lang=lang,
                                device=args.device or course.device, jobs=args.jobs, only=args.only,
                                progress=not args.no_progress, restart=args.restart)
    from ..batch import grade_batch

    return grade_batch(args.submissions, out, course, lang=lang, device=args.device or course.device,
                       jobs=args.jobs, only=args.only, progress=not args.no_progress,
                       restart=args.restart)


def choose_sandbox(requested: str) -> str:
    """Instructors' grading keeps the full Linux sandbox; the portable one only when asked for by
    name, with a plain warning.  The choice reaches a batch's worker processes through the
    environment (:data:`torchdrill.sandbox.backend.ENV`)."""
    import os

    from ..sandbox import backend

    ok, why = backend.full_available()
    if requested in ("auto", "full") and not ok:
        raise UsageError(f"grading needs the full Linux sandbox: {why}. `--sandbox portable` grades here anyway, "
                         "but it does not confine student code: not safe for untrusted submissions")
    os.environ[backend.ENV] = requested if requested != "auto" else "full"
    if requested == "portable":
        sys.stderr.write("warning: --sandbox portable: student code runs in plain worker processes with time, CPU, "
                         "memory and output limits but no confinement; it can read and change your files and "
                         "reach the network. NOT SAFE FOR UNTRUSTED CODE: grade real submissions with the full "
                         "sandbox on Linux.\n")
    return os.environ[backend.ENV]


def grade_one(submission: Path, json_path: Path, course, *, lang: str, device: str, only: str | None) -> int:
    from ..grade import failed_result
    from ..render.gradescope import write_results
    from ..render.terminal import print_summary
    from ..session import GradingSession
    from ..submission import display_name

    name = display_name(submission)
    session = GradingSession(course, lang=lang, device=device, select=only)
    try:
        session.start()
        result = session.grade(submission, name=name)
    except Exception as exc:  # grading itself broke: still write a valid, honest result
        sys.stderr.write(terminal(traceback.format_exc()))
        result = failed_result(course, name, f"{type(exc).__name__}: {exc}", lang=lang,
                               device=str(session.device or device), select=only)
    finally:
        session.close()
    write_results(result, json_path)
    print_summary(result)
    return 0 if not result.error else GraderError.exit_code
