"""``torchdrill release OUT``: the bundle an instructor hands to students (no solution, no hidden check)."""
from __future__ import annotations

import sys
from pathlib import Path

from ..course import load_course


def add_arguments(p) -> None:
    p.add_argument("out", type=Path, metavar="OUT", help="new folder for the bundle")
    p.add_argument("--course", type=Path, default=None, help="course.yml or its folder (default: search upward)")
    p.add_argument("--force", action="store_true", help="replace a bundle that an earlier release wrote to OUT")


def run(args) -> int:
    from ..release import release

    course = load_course(args.course)
    made = release(course, args.out, force=args.force)
    for warning in made.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"wrote {made.root}: {len(course.chapters)} chapters, {len(course.qualnames())} stubs, "
          f"{made.visible} visible checks; {made.hidden} hidden checks withheld (counted in graders/release.json)")
    print(f"students run: bash install.sh && .venv/bin/torchdrill check   (see {made.root / 'README.md'})")
    return 0
