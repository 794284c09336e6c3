"""grade: points from course.yml split over the checks that ran, and the result when grading broke."""
from __future__ import annotations

from pathlib import Path

import pytest

from torchdrill.course import Course, load_course
from torchdrill.grade import assemble, failed_result, sandbox_limits, secrets_of
from torchdrill.grading.plugin import Record
from torchdrill.messages import GRADER_ERROR, Feedback, Msg, code
from torchdrill.results import Outcome

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "ex02_tensor_ops"


@pytest.fixture(scope="module")
def course() -> Course:
    return load_course(ROOT / "course.yml")


def _rec(stub: str, n: int, outcome: Outcome | None, weight: float = 1.0, *, visible: bool = False,
         staff: str = "") -> Record:
    feedback = None if outcome is Outcome.PASSED else Feedback.of("wrong value", code("1"), code("2"))
    return Record(f"graders/test_{CHAPTER}.py::test_{stub}_{n}", CHAPTER, stub, f"check {n}", visible, weight,
                  outcome, feedback if outcome is not None else None, staff)


def _records(*recs: Record) -> dict[str, Record]:
    return {r.nodeid: r for r in recs}


def test_points_are_split_by_weight_and_add_up_exactly(course: Course) -> None:
    stub = next(iter(course.chapter(CHAPTER).stubs))
    points = course.chapter(CHAPTER).stubs[stub]
    recs = _records(_rec(stub, 1, Outcome.PASSED, 1), _rec(stub, 2, Outcome.WRONG, 2), _rec(stub, 3, Outcome.PASSED, 3))
    out = assemble(course, recs, lang="en", chapters=[CHAPTER], stubs={f"{CHAPTER}.{stub}"})
    assert [c.max_score for c in out] and sum(c.max_score for c in out) == points
    assert [c.score for c in out] == [out[0].max_score, 0.0, out[2].max_score]
    for c in out:
        assert (c.max_score * 32).is_integer() or c is out[-1]   # shares on a 1/32 grid, the rest last
    assert out[1].outcome is Outcome.WRONG and out[1].feedback is not None
    assert out[0].feedback is None and out[0].message == ""


def test_checks_follow_course_order_and_selection(course: Course) -> None:
    stubs = list(course.chapter(CHAPTER).stubs)
    recs = _records(*(_rec(s, 1, Outcome.PASSED) for s in reversed(stubs)))
    out = assemble(course, recs, lang="en", chapters=[CHAPTER], stubs=None)
    assert [c.stub for c in out] == stubs
    one = assemble(course, recs, lang="en", chapters=[CHAPTER], stubs={f"{CHAPTER}.{stubs[0]}"})
    assert [c.stub for c in one] == [stubs[0]]
    assert assemble(course, recs, lang="en", chapters=["ex01_tensors"], stubs=None) != out


def test_a_stub_without_a_check_is_a_grader_error_never_free_points(course: Course) -> None:
    stubs = list(course.chapter(CHAPTER).stubs)
    recs = _records(_rec(stubs[0], 1, Outcome.PASSED))
    out = assemble(course, recs, lang="en", chapters=[CHAPTER], stubs=None)
    missing = [c for c in out if c.stub != stubs[0]]
    assert len(missing) == len(stubs) - 1
    for c in missing:
        assert c.outcome is Outcome.GRADER_ERROR and c.score == 0.0
        assert c.max_score == course.chapter(CHAPTER).stubs[c.stub]
        assert c.feedback == Feedback.of(GRADER_ERROR)
    # visible checks only (``torchdrill check``): a stub without a visible check is simply not listed
    visible = assemble(course, recs, lang="en", chapters=[CHAPTER], stubs=None, visible_only=True)
    assert [c.stub for c in visible] == [stubs[0]]


def test_a_check_that_never_ran_is_a_grader_error(course: Course) -> None:
    stub = next(iter(course.chapter(CHAPTER).stubs))
    out = assemble(course, _records(_rec(stub, 1, None, staff="setup: error")), lang="en", chapters=[CHAPTER],
                   stubs={f"{CHAPTER}.{stub}"})
    (c,) = out
    assert c.outcome is Outcome.GRADER_ERROR and c.score == 0.0
    assert c.feedback == Feedback.of(GRADER_ERROR)
    assert c.node.endswith("| setup: error")           # staff detail in the node, not in the message
    assert "setup" not in c.message


def test_titles_and_messages_render_in_the_grading_language(course: Course) -> None:
    stub = next(iter(course.chapter(CHAPTER).stubs))
    recs = _records(_rec(stub, 1, Outcome.WRONG))
    (en,) = assemble(course, recs, lang="en", chapters=[CHAPTER], stubs={f"{CHAPTER}.{stub}"})
    (ko,) = assemble(course, recs, lang="ko", chapters=[CHAPTER], stubs={f"{CHAPTER}.{stub}"})
    assert en.title_id == ko.title_id == "check 1"
    assert en.feedback is not None and en.message == en.feedback.render("en")
    assert ko.localized("en") == en


def test_failed_result_scores_zero_and_accounts_for_every_selected_stub(course: Course) -> None:
    r = failed_result(course, "alice", "worker died", lang="ko", device="cuda")
    assert r.submission == "alice" and r.device == "cuda" and r.lang == "ko"
    assert r.score == 0.0 and r.max_score == course.total
    assert [c.qualname for c in r.checks] == course.qualnames()
    assert {c.outcome for c in r.checks} == {Outcome.GRADER_ERROR}
    assert r.error == "worker died"
    assert r.checks[0].title == Msg("graded").render("ko")
    chapter = failed_result(course, "bob", "", lang="en", select=CHAPTER)
    assert [c.qualname for c in chapter.checks] == course.qualnames(CHAPTER)
    assert chapter.error == "grading failed"            # never an empty error: it marks the failure


def test_failed_result_keeps_long_errors_bounded(course: Course) -> None:
    r = failed_result(course, "x", "e" * 10_000, lang="en", select=CHAPTER)
    assert len(r.error) == 2000 and all(len(c.node) == 500 for c in r.checks)


def test_sandbox_limits_and_secrets_come_from_the_course(course: Course) -> None:
    limits = sandbox_limits(course)
    assert limits.call_seconds == course.limits.call_seconds
    assert limits.memory_mb == course.limits.memory_mb
    hidden = secrets_of(course)
    assert str(ROOT / "solutions") in hidden and str(ROOT / "graders") in hidden
