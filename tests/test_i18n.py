"""Student-facing words: the Korean catalog is complete and compiled, and the messages that matter
read exactly so in both languages (they are an API: students, instructors and graders read them)."""
from __future__ import annotations

import pytest
import torch

from torchdrill import catalog
from torchdrill.grading import checks
from torchdrill.grading.feedback import WrongAnswer, call_problem, set_language, wrong
from torchdrill.i18n import choose_language, gettext_for, translation
from torchdrill.render.check_table import StubRow, summary
from torchdrill.render.gradescope import outcome_label
from torchdrill.results import CheckResult, Outcome, SubmissionResult
from torchdrill.sandbox import SandboxLimits
from torchdrill.sandbox.client import CallResult


@pytest.fixture(params=["en", "ko"])
def lang(request):
    set_language(request.param)
    yield request.param
    set_language("en")


def by_lang(lang, en, ko):
    return {"en": en, "ko": ko}[lang]


# ----------------------------------------------------------------------------- the catalog itself

@pytest.mark.parametrize("lang", catalog.LANGUAGES)
def test_mo_is_compiled_from_the_current_po(lang):
    committed = catalog.read_mo(catalog.mo_path(lang).read_bytes())
    fresh = catalog.read_mo(catalog.compiled(catalog.po_path(lang)))
    assert committed == fresh, f"{lang}/torchdrill.mo is stale: run `python -m torchdrill.catalog compile`"


@pytest.mark.parametrize("lang", catalog.LANGUAGES)
@pytest.mark.parametrize("scope", ["engine", "graders"])
def test_every_message_id_has_a_translated_entry_in_each_language(root, lang, scope):
    """Every id used in src/ and graders/: a non-empty, non-fuzzy entry in Korean and in English."""
    found = catalog.problems(root, lang, scope=scope)
    assert not found, "\n".join(found) + "\nrun `python -m torchdrill.catalog update`, translate, then `compile`"


def test_no_translation_is_left_in_the_catalogs_without_a_use(root):
    """update drops what no code uses any more: a catalog holds the messages of the code, no more."""
    used = set(catalog.msgids(catalog.source_roots(root)))
    for lang in catalog.LANGUAGES:
        entries = {(m.id if isinstance(m.id, str) else m.id[0]) for m in catalog.merged(catalog.po_path(lang)) if m.id}
        assert entries <= used, f"{lang}: unused entries {sorted(entries - used)[:5]}"


# ----------------------------------------------------------------------------- choosing the language

def test_language_order_flag_then_course_then_environment(monkeypatch):
    monkeypatch.setenv("LC_ALL", "ko_KR.UTF-8")
    assert choose_language("en", "ko") == "en"
    assert choose_language(None, "en") == "en"
    assert choose_language(None, None) == "ko"
    monkeypatch.setenv("LC_ALL", "fr_FR.UTF-8")
    for var in ("LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    assert choose_language(None, None) in ("en", "ko")


# ----------------------------------------------------------------------------- outcomes of a call

LIMITS = SandboxLimits(call_seconds=10, cpu_seconds=10, memory_mb=1024)


def problem(status, **error):
    return call_problem(CallResult(status=status, error=error), module="ex05_no_grad.py", func="detach",
                        limits=LIMITS)


def test_not_implemented(lang):
    p = problem("raised", exc_type="NotImplementedError", not_implemented=True)
    assert p.outcome is Outcome.NOT_IMPLEMENTED
    assert p.message == by_lang(lang, "detach is not implemented yet.", "detach 함수는 아직 구현하지 않았습니다.")


def test_time_limit(lang):
    p = problem("timeout")
    assert p.outcome is Outcome.TIMEOUT
    assert p.message == by_lang(lang, "detach ran longer than 10 s and was stopped (an endless loop?).",
                                "detach 함수가 10초보다 오래 실행되어 중단했습니다 (무한 루프인가요?).")


def test_cpu_limit(lang):
    assert problem("cpu").message == by_lang(
        lang, "detach used more than 10 s of CPU time and was stopped (an endless loop?).",
        "detach 함수가 CPU 시간을 10초 넘게 써서 중단했습니다 (무한 루프인가요?).")


def test_memory_limit(lang):
    p = problem("memory")
    assert p.outcome is Outcome.MEMORY
    assert p.message == by_lang(lang, "detach used more than 1024 MB of memory and was stopped.",
                                "detach 함수가 메모리를 1024 MB 넘게 써서 중단했습니다.")


def test_crash_shows_the_students_own_frames(lang):
    p = problem("raised", exc_type="ZeroDivisionError", message="division by zero",
                frames=[{"line": 57, "func": "detach", "code": "scale = 1 / 0"},
                        {"line": 12, "func": "_helper", "code": "return detach(y)"}])
    assert p.outcome is Outcome.CRASHED
    assert p.message == by_lang(
        lang,
        "detach raised ZeroDivisionError: division by zero\n"
        "where (your code):\n"
        "  line 57, in detach: scale = 1 / 0\n"
        "  line 12, in _helper: return detach(y)",
        "detach 함수에서 예외가 발생했습니다: ZeroDivisionError: division by zero\n"
        "위치 (여러분의 코드):\n"
        "  57번째 줄, detach 안: scale = 1 / 0\n"
        "  12번째 줄, _helper 안: return detach(y)")


def test_missing_function(lang):
    assert problem("missing_function").message == by_lang(
        lang, "detach is not defined as a function in ex05_no_grad.py.",
        "ex05_no_grad.py 파일에 detach 함수가 정의되어 있지 않습니다.")


def test_syntax_error_shows_the_students_line(lang):
    p = call_problem(CallResult(status="import_error", error={
        "exc_type": "SyntaxError", "line": 7, "message": "invalid syntax", "code": "return x +"}),
        module="ex05_no_grad.py", func="detach", limits=LIMITS)
    assert p.outcome is Outcome.CRASHED
    assert p.message == by_lang(lang, "ex05_no_grad.py has a syntax error at line 7: invalid syntax\n  return x +",
                                "ex05_no_grad.py 파일의 7번째 줄에 문법 오류가 있습니다: invalid syntax\n  return x +")


def test_missing_file(lang):
    from torchdrill.grading.feedback import StudentProblem
    from torchdrill.grading.student import Student

    with pytest.raises(StudentProblem) as info:
        Student(None, "ex05_no_grad", None, None).call("detach")
    assert info.value.outcome is Outcome.MISSING
    assert info.value.message == by_lang(
        lang, "ex05_no_grad.py is not in your submission, so detach could not be graded.",
        "제출물에 ex05_no_grad.py 파일이 없어서 detach 함수를 채점하지 못했습니다.")


def test_submission_notes_are_messages_rendered_in_each_language(tmp_path):
    from torchdrill.submission import stage

    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "ex05_no_grad.ipynb").write_text("{nope")
    (tmp_path / "stage").mkdir()
    staged = stage(tmp_path / "sub", tmp_path / "stage", ["ex05_no_grad"], "ko")
    (note,) = staged.note_msgs
    assert staged.notes == [note.render("ko")]
    assert note.render("en") == "ex05_no_grad.ipynb: is not a valid notebook (NotJSONError); it was not graded."
    assert note.render("ko") == "ex05_no_grad.ipynb: 올바른 노트북이 아닙니다 (NotJSONError). 채점하지 않았습니다."
    result = SubmissionResult("s", (), lang="ko", notes=tuple(staged.notes), note_msgs=tuple(staged.note_msgs))
    assert result.localized("en").notes == (note.render("en"),)


# ----------------------------------------------------------------------------- the check ladder

def rendered(fn) -> str:
    with pytest.raises(WrongAnswer) as info:
        fn()
    return info.value.render()


def test_wrong_type(lang):
    msg = rendered(lambda: checks.expect_tensor([1.0, 2.0], torch.tensor([1.0, 2.0]), what="make_tensor(data)"))
    assert msg == by_lang(
        lang,
        "make_tensor(data) should be a torch.Tensor.\n"
        "expected: torch.Tensor\n"
        "got:      list of 2 [float 1.0, float 2.0]\n"
        "hint: build a tensor, e.g. with torch.tensor(...) or torch.stack(...)",
        "make_tensor(data): torch.Tensor여야 합니다.\n"
        "기대한 값: torch.Tensor\n"
        "받은 값:   원소 2개인 list [float 1.0, float 2.0]\n"
        "힌트: 텐서를 만드세요. 예: torch.tensor(...) 또는 torch.stack(...)")


def test_wrong_shape(lang):
    msg = rendered(lambda: checks.expect_tensor(torch.zeros(3, 4), torch.zeros(4, 3), what="to_column(t)"))
    assert msg == by_lang(lang,
                          "to_column(t) has the wrong shape.\nexpected: (4, 3)\ngot:      (3, 4)",
                          "to_column(t): 모양(shape)이 틀렸습니다.\n기대한 값: (4, 3)\n받은 값:   (3, 4)")


def test_wrong_dtype(lang):
    msg = rendered(lambda: checks.expect_tensor(torch.zeros(2, dtype=torch.float64), torch.zeros(2), what="zeros(2)"))
    assert msg == by_lang(
        lang,
        "zeros(2) has the wrong dtype.\nexpected: float32\ngot:      float64\n"
        "hint: torch's default floating type is float32; numpy's float64 carries over from np arrays",
        "zeros(2): dtype이 틀렸습니다.\n기대한 값: float32\n받은 값:   float64\n"
        "힌트: torch의 기본 부동소수점 타입은 float32입니다. numpy 배열에서 오면 numpy의 float64가 그대로 남습니다")


def test_wrong_values_names_the_worst_element(lang):
    msg = rendered(lambda: checks.expect_tensor(torch.tensor([1.0, 2.0, 9.0]), torch.tensor([1.0, 2.0, 3.0]),
                                                what="add(a, b)"))
    assert msg == by_lang(
        lang,
        "add(a, b) has wrong values (1 of 3 elements differ; the worst is at index [2]).\n"
        "expected: 3 at index [2]\ngot:      9 at index [2]",
        "add(a, b): 값이 틀렸습니다 (원소 3개 중 1개가 다르고, 가장 크게 다른 곳은 인덱스 [2]입니다).\n"
        "기대한 값: 인덱스 [2]의 값 3\n받은 값:   인덱스 [2]의 값 9")


def test_graders_literal_english_is_translated_when_shown(lang):
    msg = rendered(lambda: checks.expect(False, "the result still has a grad_fn", "grad_fn=None", "a grad_fn",
                                         "use y.detach(): it cuts the tensor off the graph"))
    assert msg == by_lang(
        lang,
        "the result still has a grad_fn\nexpected: grad_fn=None\ngot:      a grad_fn\n"
        "hint: use y.detach(): it cuts the tensor off the graph",
        "결과에 아직 grad_fn이 있습니다\n기대한 값: grad_fn=None\n받은 값:   grad_fn이 있음\n"
        "힌트: y.detach()를 쓰세요: 텐서를 그래프에서 떼어 냅니다")


def test_text_that_is_not_a_message_id_is_left_as_it_is(lang):
    # already formatted (not an id), and empty parts: gettext("") would be the catalog header
    w = wrong("detach(y) for y of shape (4,) is off by 3", "", "", "")
    assert w.render() == "detach(y) for y of shape (4,) is off by 3"


# ----------------------------------------------------------------------------- labels and summaries

def test_outcome_labels():
    en = {o: outcome_label(o, "en") for o in Outcome}
    ko = {o: outcome_label(o, "ko") for o in Outcome}
    assert en == {Outcome.PASSED: "passed", Outcome.NOT_IMPLEMENTED: "not implemented yet",
                  Outcome.WRONG: "wrong answer", Outcome.CRASHED: "your code crashed", Outcome.TIMEOUT: "time limit",
                  Outcome.MEMORY: "memory limit", Outcome.MISSING: "missing",
                  Outcome.GRADER_ERROR: "grader error (not your fault)"}
    assert ko == {Outcome.PASSED: "통과", Outcome.NOT_IMPLEMENTED: "아직 구현하지 않음", Outcome.WRONG: "틀린 답",
                  Outcome.CRASHED: "코드 실행 중 오류", Outcome.TIMEOUT: "시간 초과", Outcome.MEMORY: "메모리 초과",
                  Outcome.MISSING: "없음", Outcome.GRADER_ERROR: "채점기 오류 (여러분의 잘못이 아님)"}


def row(outcome, passed, visible, hidden):
    return StubRow("ex05_no_grad", "detach", outcome, passed, visible, hidden, ())


def test_check_summary_all_passed(lang):
    rows = [row(Outcome.PASSED, 1, 1, 3), row(Outcome.PASSED, 2, 2, 9)]
    assert summary(rows, lang) == [by_lang(
        lang, "All visible checks passed. 12 more checks are hidden and run when your work is graded.",
        "공개된 검사를 모두 통과했습니다. 숨겨진 검사 12개가 더 있고, 제출한 과제를 채점할 때 실행됩니다.")]
    assert summary([row(Outcome.PASSED, 1, 1, 1)], "en") == [
        "All visible checks passed. 1 more check is hidden and runs when your work is graded."]


def test_check_summary_some_failed(lang):
    rows = [row(Outcome.PASSED, 1, 1, 2), row(Outcome.WRONG, 0, 1, 2), row(Outcome.NOT_IMPLEMENTED, 0, 2, 1)]
    assert summary(rows, lang) == by_lang(lang, [
        "1 of 4 visible checks passed. 5 more checks are hidden and run when your work is graded.",
        "1 function is not implemented yet.",
        "Fix what the messages above say, then run torchdrill check again.",
    ], [
        "공개된 검사 4개 중 1개를 통과했습니다. 숨겨진 검사 5개가 더 있고, 제출한 과제를 채점할 때 실행됩니다.",
        "함수 1개를 아직 구현하지 않았습니다.",
        "위 메시지가 말하는 것을 고친 뒤 torchdrill check를 다시 실행하세요.",
    ])


def test_check_summary_without_hidden_checks_never_reads_as_full_marks_by_itself(lang):
    assert summary([row(Outcome.PASSED, 1, 1, 0)], lang) == [by_lang(
        lang, "All visible checks passed. No check is hidden here: your work is graded with these checks when you "
              "submit it.",
        "공개된 검사를 모두 통과했습니다. 여기에는 숨겨진 검사가 없습니다. 제출하면 이 검사들로 채점합니다.")]


def test_terminal_table_headers_are_translated():
    from rich.console import Console

    from torchdrill.render.terminal import print_summary

    result = SubmissionResult("alice", (CheckResult("ex05_no_grad", "detach", "같은 값", Outcome.NOT_IMPLEMENTED,
                                                    0.0, 2.0, True),), lang="ko")
    console = Console(record=True, width=100)
    print_summary(result, console)
    text = console.export_text()
    for word in ("검사", "결과", "점수", "아직 구현하지 않음"):
        assert word in text


def test_korean_catalog_has_plural_forms_for_korean():
    t = translation("ko")
    assert t.ngettext("{n} function is not implemented yet.", "{n} functions are not implemented yet.", 5) == \
        "함수 {n}개를 아직 구현하지 않았습니다."
    assert gettext_for("en")("passed") == "passed"
