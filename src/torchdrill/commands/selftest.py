"""``torchdrill selftest``: do the graders reject the mistakes students make, and accept right answers?"""
from __future__ import annotations

from pathlib import Path

from ..course import load_course
from ..errors import UsageError


def add_arguments(p) -> None:
    p.add_argument("spec", nargs="?", default=None, metavar="CHAPTER[.STUB]", help="one chapter or stub (default: all)")
    p.add_argument("--json", type=Path, metavar="FILE", help="write the figures and every survivor's diff to FILE")
    p.add_argument("--min-score", type=float, default=1.0, metavar="X",
                   help="exit 1 when killed / (mutants - equivalent) is below X (default 1.0)")
    p.add_argument("--jobs", "-j", type=int, default=None, help="parallel workers (default: all cores)")
    p.add_argument("--course", type=Path, default=None, help="course.yml or its folder (default: search upward)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default=None,
                   help="where the graders run (default: the course's device)")
    p.add_argument("--work", type=Path, default=None, metavar="DIR",
                   help="keep the mutant submissions and their results in DIR (run again to resume)")
    p.add_argument("--restart", action="store_true", help="with --work: forget the folder's earlier results")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args) -> int:
    from ..selftest import print_report, run_selftest, write_json

    if not 0.0 <= args.min_score <= 1.0:
        raise UsageError(f"--min-score {args.min_score}: give a number between 0 and 1")
    course = load_course(args.course)
    if args.spec:
        course.select(args.spec)          # unknown names fail here, with a did-you-mean
    report = run_selftest(course, args.spec, jobs=args.jobs, lang="en", device=args.device or course.device,
                          progress=not args.no_progress, work=args.work, restart=args.restart)
    if args.json is not None:
        write_json(report, args.json)
    print_report(report, min_score=args.min_score)
    return 0 if report.passed(args.min_score) else 1
