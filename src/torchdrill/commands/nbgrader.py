"""``torchdrill nbgrader COURSE_DIR``: create or update an nbgrader course directory from this course."""
from __future__ import annotations

import sys
from pathlib import Path

from ..course import load_course


def add_arguments(g) -> None:
    g.add_argument("course_dir", type=Path, metavar="COURSE_DIR",
                   help="the nbgrader course directory (nbgrader_config.py, source/<chapter>/<chapter>.ipynb)")
    g.add_argument("--course", type=Path, default=None, help="course.yml or its folder (default: search upward)")
    g.add_argument("--only", metavar="CHAPTER", action="append", default=None,
                   help="only this chapter (repeatable); default: every chapter in course.yml")


def run(args) -> int:
    from ..nbgrader.export import export_course

    course = load_course(args.course)
    if args.only:
        for chapter in args.only:
            course.chapter(chapter)        # unknown names fail here, with a did-you-mean
    changed = export_course(course, args.course_dir, chapters=args.only)
    for path in changed:
        print(f"wrote {path}")
    n = len(args.only) if args.only else len(course.chapters)
    print(f"torchdrill: {args.course_dir}: {n} chapter notebook{'s' if n != 1 else ''} "
          f"{'up to date' if not changed else f'({len(changed)} file(s) written)'}; next: "
          f"cd {args.course_dir} && nbgrader generate_assignment <chapter>", file=sys.stderr)
    return 0
