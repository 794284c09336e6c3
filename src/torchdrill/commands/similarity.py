"""``torchdrill similarity SUBMISSION…``: which pairs of submissions share code that few others wrote.

A screening aid for instructors: it ranks pairs and shows the matching code side by side
(``--out``, default ``similarity.html``; ``--json FILE`` for scripts); it never decides anything.
Put the page in a graded folder (``--out DIR/similarity.html``) and ``torchdrill report DIR``
links to it.
"""
from __future__ import annotations

import sys
from pathlib import Path

SHOWN = 10


def add_arguments(p) -> None:
    # Nothing of the similarity package is imported here: the CLI parses every verb's arguments, and
    # a student's bundle (no stubgen in its wheel) must still start.
    p.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION",
                   help="submissions as `torchdrill grade` takes them (folders, .py files, notebooks), "
                        "or a folder holding them")
    p.add_argument("--json", type=Path, default=None, metavar="FILE",
                   help='the ranked pairs as JSON: {"pairs": [{"a", "b", "score", …}]}, highest score first')
    p.add_argument("--out", type=Path, default=Path("similarity.html"), metavar="FILE.html",
                   help="the page: pair scores, the top pairs side by side (default: similarity.html)")
    p.add_argument("--course", type=Path, default=None,
                   help="course.yml or its folder (default: search upward)")
    p.add_argument("--top", type=int, default=None, metavar="N",
                   help="pairs detailed in the page and the JSON, besides every pair worth a look (default 30)")
    p.add_argument("--threshold", type=float, default=None, metavar="SCORE",
                   help="mark pairs at or above SCORE as worth a look (default: the larger of a fixed floor and "
                        "an outlier bound of the class's own scores)")


def _shown(text: str) -> str:
    """A name as it may reach a terminal: no control characters."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def run(args) -> int:
    from ..course import load_course
    from ..errors import UsageError
    from ..similarity import TOP, expand, screen, write_html, write_json

    top = TOP if args.top is None else args.top
    if top < 0:
        raise UsageError("--top must be 0 or more")
    course = load_course(args.course)
    paths = expand(args.submissions, course)
    if len(paths) < 2:
        raise UsageError("give at least two submissions to compare (or a folder that holds them)")
    result = screen(paths, course, top=top, fixed=args.threshold)
    write_html(result, args.out)
    if args.json is not None:
        write_json(result, args.json)
    n = len(result.names)
    print(f"{n} submissions, {result.scores.pairs_total} pairs: {len(result.scores)} share some rarely-shared code, "
          f"{result.flagged} worth a look (score >= {result.threshold:.1f})")
    for rank, p in enumerate(result.pairs[:SHOWN], start=1):
        where = ", ".join(m.qualname for m in p.matches[:3]) + (" …" if len(p.matches) > 3 else "")
        mark = "  <- worth a look" if p.flagged else ""
        print(f"{rank:3d}. {p.score:7.1f}  {_shown(p.a)} · {_shown(p.b)}  ({_shown(where)}){mark}")
    for note in result.name_notes:
        print(f"note: {_shown(note)}", file=sys.stderr)
    for name, notes in result.notes.items():
        for note in notes:
            print(f"note: {_shown(name)}: {_shown(note)}", file=sys.stderr)
    print(f"page:     {args.out}")
    if args.json is not None:
        print(f"pairs:    {args.json}")
    return 0
