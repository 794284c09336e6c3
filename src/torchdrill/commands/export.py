"""``torchdrill export DIR --format canvas|moodle --roster FILE``: the graded folder as the file an
LMS imports (DIR/<format>.csv), with every unmatched student and submission listed."""
from __future__ import annotations

import sys
from pathlib import Path


def add_arguments(p) -> None:
    p.add_argument("folder", type=Path, metavar="DIR", help="the --out folder of `torchdrill grade`")
    p.add_argument("--format", dest="fmt", required=True, choices=["canvas", "moodle"], help="the LMS to import into")
    p.add_argument("--roster", type=Path, required=True, metavar="FILE",
                   help="the LMS's own gradebook export (CSV): its identity columns are kept as they are")
    p.add_argument("--match-by", default=None, metavar="COLUMN",
                   help="roster column matched against submission names (default: SIS Login ID for Canvas; "
                        "Username, else Email address, else ID number for Moodle)")
    p.add_argument("--assignment", default=None, metavar="NAME",
                   help="the assignment (grade item) column's name (default: 'torchdrill DIR')")
    p.add_argument("-o", "--out", type=Path, default=None, metavar="FILE",
                   help="the import file (default DIR/<format>.csv)")


def run(args) -> int:
    from ..export import export_grades
    from ..safe_text import echo as print  # names and roster cells: other people's text, no raw controls

    made = export_grades(args.folder, args.fmt, args.roster, match_by=args.match_by, assignment=args.assignment,
                         out=args.out)
    total = len(made.matched) + len(made.no_submission)
    print(f"wrote {made.path}: {made.fmt} import, assignment {made.assignment!r} ({made.points:g} points), "
          f"{len(made.matched)} of {total} students with a grade, matched by {made.match_by!r}")
    if made.no_submission:
        print(f"{len(made.no_submission)} students without a submission (their grade cell is left empty):")
        for student in made.no_submission:
            print("  " + ", ".join(v for v in student.values() if v))
    if made.no_student:
        print(f"{len(made.no_student)} submissions without a student (not in the import file):", file=sys.stderr)
        for name, why, score in made.no_student:
            print(f"  {name} ({score:g} points): {why}", file=sys.stderr)
    if made.no_submission or made.no_student:
        print(f"both lists: {made.side}")
    return 0
