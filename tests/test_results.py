"""results: CheckResult and SubmissionResult as data, and read again in another language."""
from __future__ import annotations

import json
import pickle

from torchdrill.messages import Feedback, Msg, code, msg
from torchdrill.results import CheckResult, Outcome, SubmissionResult

TITLE = "the exception above"        # an id the Korean catalog translates


def _check(outcome: Outcome = Outcome.WRONG, score: float = 0.0, *, stub: str = "add",
           feedback: Feedback | None = None) -> CheckResult:
    fb = feedback if feedback is not None else Feedback.of(msg("{func} returned the wrong value", func=stub),
                                                           code("3"), code("4"))
    if outcome.passed:
        fb = None
    return CheckResult("ex02_tensor_ops", stub, Msg(TITLE).render("en"), outcome, score, 2.0, True,
                       fb.render("en") if fb is not None else "", node="graders/test_ex02.py::test_add",
                       title_id=TITLE, feedback=fb)


def _result() -> SubmissionResult:
    return SubmissionResult(
        submission="alice", device="cpu", lang="en", seconds=1.25,
        checks=(_check(Outcome.PASSED, 2.0), _check(), _check(Outcome.PASSED, 1.5, stub="mul")),
        notes=("a.py: symlink skipped",), note_msgs=(msg("{path}: symlink skipped", path="a.py"),),
        extra={"fingerprint": "abc"},
    )


def test_outcome_values_are_the_stable_strings_results_json_uses() -> None:
    assert [o.value for o in Outcome] == ["passed", "not_implemented", "wrong", "crashed", "timeout", "memory",
                                          "missing", "grader_error"]
    assert Outcome.PASSED.passed and not Outcome.WRONG.passed
    assert Outcome("timeout") is Outcome.TIMEOUT


def test_check_names_and_scores() -> None:
    c = _check()
    assert c.qualname == "ex02_tensor_ops.add"
    assert c.name == f"ex02_tensor_ops.add: {TITLE}"
    r = _result()
    assert r.score == 3.5 and r.max_score == 6.0
    assert r.stub_scores() == {"ex02_tensor_ops.add": 2.0, "ex02_tensor_ops.mul": 1.5}


def test_scores_add_up_without_floating_point_noise() -> None:
    checks = tuple(_check(Outcome.PASSED, 0.1) for _ in range(3))
    assert SubmissionResult("s", checks).score == 0.3


def test_check_round_trips_through_json_with_its_feedback() -> None:
    c = _check()
    d = json.loads(json.dumps(c.to_dict()))
    assert d["outcome"] == "wrong" and d["feedback"]["summary"]["params"] == {"func": "add"}
    back = CheckResult.from_dict(d)
    assert back == c
    passed = _check(Outcome.PASSED, 2.0)
    assert passed.to_dict()["feedback"] is None and CheckResult.from_dict(passed.to_dict()) == passed


def test_from_dict_ignores_keys_it_does_not_know() -> None:
    d = _check().to_dict() | {"added_by_a_later_version": 1}
    assert CheckResult.from_dict(d) == _check()


def test_submission_round_trips_through_json_and_pickle() -> None:
    r = _result()
    back = SubmissionResult.from_dict(json.loads(json.dumps(r.to_dict())))
    assert back == r
    assert pickle.loads(pickle.dumps(r)) == r


def test_an_old_result_without_the_newer_fields_still_reads() -> None:
    d = {"submission": "bob", "checks": [{"chapter": "ex01_tensors", "stub": "zeros", "title": "zeros",
                                          "outcome": "passed", "score": 1.0, "max_score": 1.0, "visible": True}]}
    r = SubmissionResult.from_dict(d)
    assert r.lang == "en" and r.device == "cpu" and r.notes == () and r.note_msgs == () and r.error == ""
    assert r.checks[0].feedback is None and r.checks[0].title_id == ""
    assert r.localized("ko").checks[0].title == "zeros"   # no structure: the stored text stays


def test_localized_renders_titles_messages_and_notes_again_without_grading() -> None:
    r = _result()
    ko = r.localized("ko")
    assert ko.lang == "ko" and ko.score == r.score and ko.submission == "alice"
    wrong = ko.checks[1]
    assert wrong.title == Msg(TITLE).render("ko") != TITLE
    assert wrong.feedback is not None and wrong.message == wrong.feedback.render("ko")
    assert "add" in wrong.message and "3" in wrong.message
    assert ko.notes == (msg("{path}: symlink skipped", path="a.py").render("ko"),)
    assert ko.localized("en") == r                        # and back: nothing was lost


def test_notes_without_their_messages_are_kept_as_they_are() -> None:
    r = SubmissionResult("s", (), notes=("a plain note",))
    assert r.localized("ko").notes == ("a plain note",)
