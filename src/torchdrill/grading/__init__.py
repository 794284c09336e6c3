"""The grader API: what ``graders/test_*.py`` import.

    from torchdrill.grading import check, checks, make, probe

    @check("loss_fn", en="mean over all elements", ko="모든 원소의 평균", visible=True)
    def test_loss_mean(student, reference, device): ...
"""
from __future__ import annotations

import pytest

from ..sandbox.kit import function, make, probe
from . import checks
from .feedback import StudentProblem, WrongAnswer, wrong
from .student import Returned, Student

__all__ = ["check", "checks", "function", "make", "probe", "Returned", "Student", "StudentProblem",
           "WrongAnswer", "wrong"]


def check(stub: str, *, en: str, ko: str, visible: bool = False, weight: float = 1.0):
    """Mark a grader test as one check of ``stub``: its title in both languages, whether students
    see it before grading (``visible``), and its share of the stub's points (``weight``)."""
    if weight <= 0:
        raise ValueError("weight must be > 0")
    return pytest.mark.torchdrill(stub=stub, en=en, ko=ko, visible=visible, weight=weight)
