"""The grader API: what ``graders/test_*.py`` import.

    from torchdrill.grading import check, checks, make, msg, probe

    @check("loss_fn", "mean over all elements", visible=True)
    def test_loss_mean(student, reference, device):
        r = student.call("loss_fn", y_pred, y_true)
        checks.expect_tensor(r.value, expected, what=msg("loss_fn(y_pred, y_true) for shape {shape}", shape="(3, 4)"),
                             hint="the mean divides the sum by the number of elements")

Titles, summaries, ``what=``, ``expected=``, ``got=`` and ``hint=`` are English message ids,
translated when someone reads them; ``msg(id, **params)`` adds parameters (see
:mod:`torchdrill.messages`).
"""
from __future__ import annotations

import pytest

from ..messages import N_, code, msg
from ..sandbox.kit import function, make, probe
from . import checks
from .feedback import StudentProblem, WrongAnswer, wrong
from .student import Returned, Student

__all__ = [
    "N_",
    "Returned",
    "Student",
    "StudentProblem",
    "WrongAnswer",
    "check",
    "checks",
    "code",
    "function",
    "make",
    "msg",
    "probe",
    "wrong",
]


def check(stub: str, title: str, *, visible: bool = False, weight: float = 1.0) -> pytest.MarkDecorator:
    """Mark a grader test as one check of ``stub``: its title (an English message id, translated
    through the catalog), whether students see it before grading (``visible``), and its share of
    the stub's points (``weight``)."""
    if not title or not title.strip():
        raise ValueError("a check needs a title")
    if weight <= 0:
        raise ValueError("weight must be > 0")
    return pytest.mark.torchdrill(stub=stub, title=title, visible=visible, weight=weight)
