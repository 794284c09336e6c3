"""The ``torchdrill`` command: parses arguments and calls one plain function per verb.

Each verb lives in its own module under ``torchdrill.commands`` with two functions:
``add_arguments(parser)`` and ``run(args) -> int``.  Errors from the engine are TorchdrillError
subclasses that know their exit code; they are printed here, in one place.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from . import __version__
from .errors import TorchdrillError
from .safe_text import terminal

#: verb -> (module under torchdrill.commands, one-line help)
VERBS: dict[str, tuple[str, str]] = {
    "grade": ("grade", "grade one or many submissions (folders, .py files, notebooks)"),
    "check": ("check", "check your work against the visible checks (students)"),
    "release": ("release", "write the student bundle: stubs, visible checks, installer (no solutions)"),
    "report": ("report", "class report (HTML + JSON) and per-student feedback from a graded folder"),
    "gradescope": ("gradescope", "build a Gradescope autograder zip (setup.sh, run_autograder, graders)"),
    "nbgrader": ("nbgrader", "create or update an nbgrader course directory (notebooks, nbgrader_config.py)"),
    "export": ("export", "grades of a graded folder as the CSV file Canvas or Moodle imports"),
    "selftest": ("selftest", "grade mutants of the solutions: what wrong answers do the graders miss?"),
    "similarity": ("similarity", "rank pairs of submissions by rarely-shared code in common (a screening aid)"),
}


def _parser(argv: list[str]) -> argparse.ArgumentParser:
    """The parser; only the verb on the command line has its arguments added (each verb's module
    is imported for that, and a command should not pay for the other eight)."""
    p = argparse.ArgumentParser(prog="torchdrill", description="Auto-graded PyTorch basics exercises.")
    p.add_argument("--version", action="version", version=f"torchdrill {__version__}")
    sub = p.add_subparsers(dest="verb", required=True, metavar="VERB")
    chosen = next((a for a in argv if a in VERBS), None)
    for verb, (module, help_text) in VERBS.items():
        sp = sub.add_parser(verb, help=help_text, description=help_text)
        if verb == chosen:
            importlib.import_module(f".commands.{module}", __package__).add_arguments(sp)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run one verb; its exit status.  Called as the command (``argv`` None), a verb whose module
    says ``LEAVE_AT_ONCE`` ends the process here, output flushed, without the interpreter's
    teardown."""
    as_command = argv is None
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser(argv).parse_args(argv)
    module = importlib.import_module(f".commands.{VERBS[args.verb][0]}", __package__)
    try:
        code = module.run(args)
    except TorchdrillError as exc:
        text = exc.render(_language(args)) if exc.msg is not None else str(exc)
        print(terminal(f"torchdrill: {text}"), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("torchdrill: interrupted; run the same command again to resume.", file=sys.stderr)
        return 130
    if as_command and getattr(module, "LEAVE_AT_ONCE", False):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return int(code)


def _language(args) -> str:
    """The language an error is told in: ``--lang``, then the course's, then the environment's."""
    from .i18n import choose_language

    course_language = None
    try:
        from .course import load_course

        course_language = load_course(getattr(args, "course", None)).language
    except Exception:  # no course here, or a broken one: the environment decides
        pass
    return choose_language(getattr(args, "lang", None), course_language)


if __name__ == "__main__":
    sys.exit(main())
