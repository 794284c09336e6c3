"""The ``torchdrill`` command: parses arguments and calls one plain function per verb."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .errors import TorchdrillError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="torchdrill", description="Auto-graded PyTorch basics exercises.")
    p.add_argument("--version", action="version", version=f"torchdrill {__version__}")
    sub = p.add_subparsers(dest="verb", required=True)

    g = sub.add_parser("grade", help="grade one or many submissions (directories, .py files, notebooks)")
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
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.verb == "grade":
            from .commands import grade_command

            return grade_command(args)
    except TorchdrillError as exc:
        print(f"torchdrill: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("torchdrill: interrupted; run the same command again to resume.", file=sys.stderr)
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
