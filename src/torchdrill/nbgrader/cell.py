"""What an autograder-test cell runs inside the Jupyter kernel (standard library and torchdrill's
light modules only: messages and i18n).

    from torchdrill.nbgrader.cell import StubChecks
    _checks = StubChecks("ex05_no_grad", "detach", points=2)
    _checks.visible()
    ### BEGIN HIDDEN TESTS
    _checks.hidden()
    ### END HIDDEN TESTS
    _checks.score()

Nothing is judged here: the kernel has run the student's code, and anything in it may have been
patched (``torch.allclose``, the checks, the builtins).  ``score()`` takes the *source* of the
code cells this kernel ran (IPython's raw input history, autograder-test cells left out), hands it
to a separate interpreter (``python -I -m torchdrill.nbgrader.cellgrade --serve``, started with a
clean environment by the first test cell and kept for the kernel's later ones) which writes it to a
chapter file and grades that file with torchdrill's engine, the student's code running only in the
sandbox.  The teaching messages are printed to
stdout (nbgrader gives 0 to a cell that writes anything to stderr) and the cell's value is the
points earned, a float, which nbgrader reads as partial credit.

When anything goes wrong the cell prints why and is worth 0.0: it never fails open.
"""
from __future__ import annotations

import atexit
import os

from ..linechild import LineChild
from ..messages import msg
from . import COURSE_ENV, TEST_CELL_TAG

#: Seconds one cell's grading may take (below the cell limit in nbgrader_config.py).
GRADE_SECONDS = 280
_ENV_KEPT = ("PATH", "HOME", "LANG", "LC_ALL", "CUDA_VISIBLE_DEVICES", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
             "TORCHDRILL_LANG", COURSE_ENV)


def notebook_code() -> list[str]:
    """The raw source of every cell this kernel has run, in order, autograder-test cells left out."""
    try:
        from IPython import get_ipython
    except ImportError:
        return []
    ip = get_ipython()
    if ip is None:
        return []
    history = list(getattr(ip.history_manager, "input_hist_raw", None) or ip.user_ns.get("_ih") or [])
    return [str(src) for src in history if str(src).strip() and not str(src).lstrip().startswith(TEST_CELL_TAG)]


class StubChecks:
    """The checks of one stub, graded out of this kernel."""

    def __init__(self, chapter: str, stub: str, points: float):
        self.chapter, self.stub, self.points = chapter, stub, float(points)
        self._hidden = False

    def visible(self) -> None:
        """The checks students see (always part of the grading)."""

    def hidden(self) -> None:
        """Add the hidden checks (this call sits in the cell's hidden part, present only when grading)."""
        self._hidden = True

    def score(self) -> float:
        """Grade in the sandbox, print what was found, return the points earned (0.0 on any failure)."""
        try:
            report = self._grade()
        except Exception as exc:   # never a traceback: nbgrader would show it, and score it as an error anyway
            report = {"lines": _said(msg("torchdrill: grading did not run ({error}); this is not your fault, please "
                                         "tell the course staff.", error=type(exc).__name__)), "score": 0.0}
        print("\n".join(report.get("lines", [])))
        try:
            earned = float(report.get("score", 0.0))
        except (TypeError, ValueError):
            earned = 0.0
        if not earned >= 0.0:          # NaN included
            earned = 0.0
        return round(min(earned, self.points), 6)

    def _grade(self) -> dict:
        course = os.environ.get(COURSE_ENV, "")
        if not course:
            return {"score": 0.0, "lines": _said(msg(
                "torchdrill: no course to grade with ({env} is not set); these checks run when the notebook is "
                "graded.", env=COURSE_ENV))}
        payload = {"course": course, "chapter": self.chapter, "stub": self.stub, "points": self.points,
                   "visible_only": not self._hidden, "cells": notebook_code()}
        return _ask(payload)


def _said(message) -> list[str]:
    """Lines of a message in the kernel's language ($TORCHDRILL_LANG), else one line per language."""
    from ..render import in_language

    return in_language(message, os.environ.get("TORCHDRILL_LANG"), sep="\n").splitlines()


# --------------------------------------------------------------------------- the grading process
# One per kernel, started by the first test cell and kept warm for the next ones (its sandbox too):
# see :mod:`torchdrill.linechild`.

_server = LineChild("torchdrill.nbgrader.cellgrade", _ENV_KEPT, GRADE_SECONDS)


def _ask(payload: dict) -> dict:
    return _server.ask(payload)


atexit.register(_server.close)
