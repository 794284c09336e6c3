"""The one result model every renderer reads (terminal, results.json, CSV, HTML, nbgrader).

Computing is kept apart from presenting: grading produces these frozen objects, renderers only
read them.  Nothing here imports torch, so renderers and the batch driver stay light.
"""
from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any

from .messages import Feedback, Msg


class Outcome(str, enum.Enum):
    """The kinds of result a student can get for one check, never mixed."""

    PASSED = "passed"
    NOT_IMPLEMENTED = "not_implemented"   # the stub still raises NotImplementedError: no traceback
    WRONG = "wrong"                       # the code ran and returned something wrong
    CRASHED = "crashed"                   # the student's code raised (only their own frames shown)
    TIMEOUT = "timeout"                   # ran past the wall-clock or CPU limit
    MEMORY = "memory"                     # went past the memory limit
    MISSING = "missing"                   # the chapter file or the function is not in the submission
    GRADER_ERROR = "grader_error"         # not the student's fault: tell staff

    @property
    def passed(self) -> bool:
        return self is Outcome.PASSED


@dataclass(frozen=True)
class CheckResult:
    """One graded check of one stub."""

    chapter: str            # "ex07_optimization"
    stub: str               # "loss_fn"
    title: str              # "mean over all elements" (in the grading language)
    outcome: Outcome
    score: float
    max_score: float
    visible: bool           # visible checks ship to students; hidden ones run at grading only
    message: str = ""       # what a student reads: expected, got, hint (never grader source)
    node: str = ""          # the grader's test id, for staff only (never shown to students)
    title_id: str = ""      # the title as a message id (English): renders ``title`` in any language
    feedback: Feedback | None = None   # ``message`` as data: renders it in any language

    def localized(self, lang: str) -> CheckResult:
        """The same check with its title and message in ``lang`` (from the stored structure)."""
        title = Msg(self.title_id).render(lang) if self.title_id else self.title
        message = self.feedback.render(lang) if self.feedback is not None else self.message
        return dataclasses.replace(self, title=title, message=message)

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        d["outcome"] = self.outcome.value
        d["feedback"] = self.feedback.to_data() if self.feedback is not None else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CheckResult:
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in d.items() if k in names}
        values["outcome"] = Outcome(d["outcome"])
        values["feedback"] = Feedback.from_data(d["feedback"]) if d.get("feedback") else None
        return cls(**values)

    @property
    def qualname(self) -> str:
        return f"{self.chapter}.{self.stub}"

    @property
    def name(self) -> str:
        return f"{self.qualname}: {self.title}"


@dataclass(frozen=True)
class SubmissionResult:
    """Everything grading found out about one submission."""

    submission: str                      # display name (file or directory name)
    checks: tuple[CheckResult, ...]
    device: str = "cpu"
    lang: str = "en"
    seconds: float = 0.0
    notes: tuple[str, ...] = ()          # submission-level messages (bad notebook, symlink skipped ...)
    note_msgs: tuple[Msg, ...] = ()      # the same notes as data, when they were made as messages
    error: str = ""                      # set when grading itself broke: the result is still valid
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return round(sum(c.score for c in self.checks), 6)

    @property
    def max_score(self) -> float:
        return round(sum(c.max_score for c in self.checks), 6)

    def stub_scores(self) -> dict[str, float]:
        """Points per qualified stub name, in check order."""
        out: dict[str, float] = {}
        for c in self.checks:
            out[c.qualname] = round(out.get(c.qualname, 0.0) + c.score, 6)
        return out

    def localized(self, lang: str) -> SubmissionResult:
        """The same result read in ``lang``: every title, message and note rendered again from the
        stored structure (nothing is graded again)."""
        notes = tuple(m.render(lang) for m in self.note_msgs) if self.note_msgs else self.notes
        return dataclasses.replace(self, lang=lang, notes=notes,
                                   checks=tuple(c.localized(lang) for c in self.checks))

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        d["checks"] = [c.to_dict() for c in self.checks]
        d["extra"] = dict(self.extra)
        d["notes"] = list(self.notes)
        d["note_msgs"] = [m.to_data() for m in self.note_msgs]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SubmissionResult:
        checks = tuple(CheckResult.from_dict(c) for c in d.get("checks", ()))
        return cls(
            submission=d["submission"], checks=checks, device=d.get("device", "cpu"),
            lang=d.get("lang", "en"), seconds=d.get("seconds", 0.0),
            notes=tuple(d.get("notes", ())), note_msgs=tuple(Msg.from_data(m) for m in d.get("note_msgs", ())),
            error=d.get("error", ""), extra=d.get("extra", {}),
        )
