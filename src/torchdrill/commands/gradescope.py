"""``torchdrill gradescope OUT.zip``: a Gradescope autograder zip for this course (staff only:
it holds the hidden graders and the solutions)."""
from __future__ import annotations

from pathlib import Path


def add_arguments(p) -> None:
    p.add_argument("out", type=Path, nargs="?", default=Path("autograder.zip"), metavar="OUT.zip",
                   help="the zip to write (default autograder.zip)")
    p.add_argument("--course", type=Path, default=None, help="course.yml or its folder (default: search upward)")
    p.add_argument("--only", metavar="CHAPTER[.STUB]", default=None,
                   help="grade one chapter (or stub): one Gradescope assignment per chapter")
    p.add_argument("--lang", choices=["ko", "en"], default=None,
                   help="feedback language (default: course.yml's language)")
    p.add_argument("--device", choices=["cpu", "auto"], default="cpu",
                   help="where graders run on Gradescope (default cpu: Gradescope has no GPU)")
    p.add_argument("--time-limit", type=int, default=None, metavar="SECONDS",
                   help="stop grading after this long (default: the course's submission_seconds + 120); "
                        "set the Gradescope assignment's timeout above it")


def run(args) -> int:
    from ..course import load_course
    from ..gradescope_zip import build_zip

    course = load_course(args.course)
    z = build_zip(args.out, course, lang=args.lang, only=args.only, device=args.device, time_limit=args.time_limit)
    graders = sum(1 for n in z.names if n.startswith("graders/"))
    print(f"wrote {z.path} ({len(z.names)} files, {graders} grader files, {z.points:g} points)")
    print(f"run_autograder: torchdrill grade SUBMISSION {' '.join(z.args)}, stopped after {z.limit} s: "
          f"set the Gradescope assignment's timeout above {z.limit // 60 + 1} minutes")
    print("staff only: the zip holds the hidden graders and the solutions; upload it to Gradescope, "
          "never share it with students")
    return 0
