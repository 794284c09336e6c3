"""Per-student feedback: ``DIR/feedback/<name>.html`` and ``.md``, in the student's language.

For every chapter the student was graded on, in course order: what to fix (wrong answers,
crashes, limits, each with its teaching message), what is not implemented yet, what is missing,
what could not be graded (not the student's fault), and what passed.

What a student may read, and nothing else: check titles, outcomes, points and the student-facing
messages the result model carries.  Hidden checks appear with their title, outcome and message,
marked "hidden check" (their messages were written for students: expected, got, hint).  Never
shown: grader test ids (``CheckResult.node``), staff details (``extra``), grader source,
solutions.  The result model holds no grader or solution text, and this module reads nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..results import CheckResult, Outcome, SubmissionResult
from .words import outcome_word, words

_FIX = (Outcome.WRONG, Outcome.CRASHED, Outcome.TIMEOUT, Outcome.MEMORY)


@dataclass(frozen=True)
class FeedbackCheck:
    stub: str
    title: str
    outcome: str
    outcome_word: str
    hidden: bool
    message: str
    score: float
    max_score: float
    same_as_above: bool = False      # the message repeats the one just above (same stub): not shown twice


@dataclass
class FeedbackChapter:
    id: str
    title: str
    score: float = 0.0
    max_score: float = 0.0
    fix: list[FeedbackCheck] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)           # stubs not implemented yet
    missing: list[tuple[str, str]] = field(default_factory=list)   # (stub, message)
    problems: list[FeedbackCheck] = field(default_factory=list)    # grader errors
    passed: list[FeedbackCheck] = field(default_factory=list)

    @property
    def all_passed(self) -> bool:
        return not (self.fix or self.todo or self.missing or self.problems)


@dataclass(frozen=True)
class Feedback:
    name: str
    lang: str
    score: float
    max_score: float
    grading_failed: bool
    notes: tuple[str, ...]
    chapters: tuple[FeedbackChapter, ...]


def _check(c: CheckResult, lang: str) -> FeedbackCheck:
    return FeedbackCheck(stub=c.stub, title=c.title, outcome=c.outcome.value,
                         outcome_word=outcome_word(c.outcome, lang), hidden=not c.visible,
                         message="" if c.outcome.passed else c.message.strip(), score=c.score, max_score=c.max_score)


def _shown(fix: list[FeedbackCheck], stub: str) -> str:
    """The last message written out in full for ``stub``."""
    for fc in reversed(fix):
        if fc.stub != stub:
            return ""
        if not fc.same_as_above:
            return fc.message
    return ""


def build_feedback(name: str, result: SubmissionResult, course=None) -> Feedback:
    """The feedback model of one result (``name``: its name in DIR)."""
    lang = result.lang if result.lang in ("ko", "en") else "en"
    titles = {c.id: c.title.in_(lang) for c in course.chapters} if course is not None else {}
    order = {c.id: i for i, c in enumerate(course.chapters)} if course is not None else {}
    chapters: dict[str, FeedbackChapter] = {}
    for c in result.checks:
        ch = chapters.setdefault(c.chapter, FeedbackChapter(c.chapter, titles.get(c.chapter, "")))
        ch.score += c.score
        ch.max_score += c.max_score
        if c.outcome is Outcome.PASSED:
            ch.passed.append(_check(c, lang))
        elif c.outcome is Outcome.NOT_IMPLEMENTED:
            if c.stub not in ch.todo:
                ch.todo.append(c.stub)
        elif c.outcome is Outcome.MISSING:
            if c.stub not in [s for s, _ in ch.missing]:
                ch.missing.append((c.stub, c.message.strip()))
        elif c.outcome is Outcome.GRADER_ERROR:
            ch.problems.append(_check(c, lang))
        else:
            fc = _check(c, lang)
            prev = ch.fix[-1] if ch.fix else None
            if prev is not None and prev.stub == fc.stub and fc.message and fc.message == _shown(ch.fix, fc.stub):
                fc = replace(fc, same_as_above=True)
            ch.fix.append(fc)
    ordered = sorted(chapters.values(), key=lambda ch: (order.get(ch.id, len(order)), ch.id))
    for ch in ordered:
        ch.score, ch.max_score = round(ch.score, 4), round(ch.max_score, 4)
    return Feedback(name=name, lang=lang, score=result.score, max_score=result.max_score,
                    grading_failed=bool(result.error), notes=tuple(result.notes), chapters=tuple(ordered))


def render_feedback_html(fb: Feedback) -> str:
    from .html import environment

    return environment().get_template("feedback.html.j2").render(fb=fb, w=words(fb.lang), lang=fb.lang)


def render_feedback_md(fb: Feedback) -> str:
    from .html import environment

    return environment().get_template("feedback.md.j2").render(fb=fb, w=words(fb.lang), lang=fb.lang)
