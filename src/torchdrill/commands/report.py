"""``torchdrill report DIR``: the class report (DIR/report.html, DIR/report.json) and each
student's feedback (DIR/feedback/<name>.html and .md) from a graded folder."""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import CourseError
from ..i18n import LANGUAGES, choose_language


def add_arguments(p) -> None:
    p.add_argument("folder", type=Path, metavar="DIR", help="the --out folder of `torchdrill grade`")
    p.add_argument("--course", type=Path, default=None,
                   help="course.yml or its folder, for chapter titles and order (default: search upward)")
    p.add_argument("--lang", choices=list(LANGUAGES), default=None,
                   help="language of the class report and of every feedback file, rendered again from the "
                        "graded folder (default: the course's for the report, each student's own for feedback)")
    p.add_argument("--no-feedback", action="store_true", help="only the class report, no feedback files")
    p.add_argument("--html", type=Path, default=None, metavar="FILE", help="the report page (default DIR/report.html)")
    p.add_argument("--json", type=Path, default=None, metavar="FILE",
                   help="the report's figures (default DIR/report.json)")


def run(args) -> int:
    from ..course import load_course
    from ..report import write_report
    from ..safe_text import echo as print  # folder names can hold any byte: no raw controls

    try:
        course = load_course(args.course)
    except CourseError:
        if args.course is not None:
            raise
        course = None            # no course here: titles and order come from the results themselves
        print("torchdrill: no course.yml found; chapters are shown by id, in the order of the results",
              file=sys.stderr)
    lang = choose_language(args.lang, course.language if course is not None else None)
    files = write_report(args.folder, course, lang=lang, feedback=not args.no_feedback,
                         html_path=args.html, json_path=args.json, feedback_lang=args.lang)
    s = files.summary
    print(f"{s.submissions} submissions, mean {s.mean:.1f} / {s.max_score:g}, "
          f"{len(s.needs_look)} need a look")
    print(f"report:   {files.html}")
    print(f"figures:  {files.json}")
    if files.feedback:
        print(f"feedback: {len(files.feedback) // 2} students in {files.feedback[0].parent}")
    return 0
