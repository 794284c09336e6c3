"""`torchdrill report DIR`: the class report (report.html, report.json) and per-student feedback.

The unit tests build results by hand (no sandbox, no torch); the end-to-end test grades the
examples through the CLI with ``--only ex05_no_grad`` and reports on them.
"""
from __future__ import annotations

import base64
import json
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from torchdrill.cli import main
from torchdrill.course import load_course
from torchdrill.errors import UsageError
from torchdrill.render.gradescope import write_results
from torchdrill.report import load_results, result_from_gradescope, summarise, write_report
from torchdrill.report.feedback import build_feedback, render_feedback_html, render_feedback_md
from torchdrill.report.html import fenced, md_escape, num, tidy_markdown
from torchdrill.report.load import Graded
from torchdrill.report.summary import histogram, normalise_message, stub_status
from torchdrill.results import CheckResult, Outcome, SubmissionResult

ROOT = Path(__file__).resolve().parents[1]
OC = Outcome
HANGUL = re.compile(r"[\uac00-\ud7a3]")
SECRET_NODE = "graders/test_ex05_no_grad.py::test_detach_shares SECRET-NODE"
SECRET_STAFF = "SECRET-STAFF-DETAIL"


# =========================================================================== helpers

def chk(stub, title, outcome, score, max_score, *, visible=True, message="", node="", chapter="ex05_no_grad"):
    return CheckResult(chapter, stub, title, outcome, score, max_score, visible, message, node)


def result(name, checks, *, lang="en", notes=(), error="", extra=None):
    return SubmissionResult(submission=name, checks=tuple(checks), lang=lang, notes=tuple(notes), error=error,
                            extra=extra or {"torch": "2.13.0+cpu", "isolated": True})


def perfect(name, lang="en"):
    return result(name, [chk("eval_no_grad", "example", OC.PASSED, 1, 1), chk("eval_no_grad", "unseen", OC.PASSED, 1, 1,
                                                                         visible=False),
                         chk("detach", "values", OC.PASSED, 1, 1), chk("detach", "shares memory", OC.PASSED, 1, 1,
                                                                      visible=False)], lang=lang)


def class_of_five() -> list[Graded]:
    """alice perfect; bob: a copy in detach (two shapes, one message once numbers are masked);
    chris: stubs; dana: a hidden wrong answer and a crash; eve: a time limit and a note; plus a
    grader error on detach for eve only."""
    copy = "detach(y) for y of shape ({}) should share memory with the input (a view), but it is a copy.\n" \
           "expected: the same storage as the input\ngot:      a new copy of the data\nhint: use y.detach()"
    todo_eval, todo_detach = "eval_no_grad is not implemented yet.", "detach is not implemented yet."
    too_long = "eval_no_grad ran past the time limit (10 s)"
    rs = [
        perfect("alice"),
        result("bob", [chk("eval_no_grad", "example", OC.PASSED, 1, 1), chk("eval_no_grad", "unseen", OC.PASSED, 1, 1),
                       chk("detach", "values", OC.WRONG, 0, 1, message=copy.format("4,")),
                       chk("detach", "shares memory", OC.WRONG, 0, 1, visible=False, message=copy.format("2, 3"))]),
        result("chris", [chk("eval_no_grad", "example", OC.NOT_IMPLEMENTED, 0, 1, message=todo_eval),
                         chk("eval_no_grad", "unseen", OC.NOT_IMPLEMENTED, 0, 1, message=todo_eval),
                         chk("detach", "values", OC.NOT_IMPLEMENTED, 0, 1, message=todo_detach),
                         chk("detach", "shares memory", OC.NOT_IMPLEMENTED, 0, 1, message=todo_detach)],
               lang="ko"),
        result("dana", [chk("eval_no_grad", "example", OC.PASSED, 1, 1),
                        chk("eval_no_grad", "unseen", OC.WRONG, 0, 1, visible=False,
                            message="f(x) for x of shape (5,) was computed with gradient recording on\n"
                                    "hint: <b>no_grad</b>"),
                        chk("detach", "values", OC.CRASHED, 0, 1,
                            message="detach raised RuntimeError: boom 42\nwhere (your code):\n  line 3, in detach"),
                        chk("detach", "shares memory", OC.PASSED, 1, 1, visible=False)]),
        result("eve", [chk("eval_no_grad", "example", OC.TIMEOUT, 0, 1, message=too_long),
                       chk("eval_no_grad", "unseen", OC.TIMEOUT, 0, 1, message=too_long),
                       chk("detach", "values", OC.PASSED, 1, 1),
                       chk("detach", "shares memory", OC.GRADER_ERROR, 0, 1, visible=False,
                           message="grader error: this is not your fault, please tell the course staff.",
                           node=SECRET_NODE)],
               notes=["ex05_no_grad.ipynb: is not a valid notebook (NotJSONError); it was not graded."],
               extra={"torch": "2.13.0+cpu", "grader_errors": [SECRET_STAFF]}),
    ]
    return [Graded(r.submission, r, "state") for r in rs]


@pytest.fixture(scope="module")
def course():
    return load_course(ROOT)


# =========================================================================== pieces

def test_messages_are_normalised_first_line_numbers_masked():
    assert normalise_message("detach(y) for y of shape (4,) is a copy.\nexpected: x") == \
        "detach(y) for y of shape (#,) is a copy."
    assert normalise_message("\n  got tensor([1.5, -2e-3]) at index 12,   line 3\n") == \
        "got tensor([#, #]) at index #, line #"
    # numbers inside names stay: they are not values
    assert normalise_message("float32 in ex05_no_grad, x2") == "float32 in ex05_no_grad, x2"
    assert normalise_message("mat1 and mat2 shapes cannot be multiplied (3x4 and 3x4)") == \
        "mat1 and mat2 shapes cannot be multiplied (#x# and #x#)"
    assert normalise_message("") == ""
    assert len(normalise_message("a" * 500)) == 200


def test_stub_status_precedence():
    assert stub_status([OC.PASSED, OC.PASSED]) is OC.PASSED
    assert stub_status([OC.PASSED, OC.WRONG, OC.CRASHED]) is OC.CRASHED
    assert stub_status([OC.NOT_IMPLEMENTED, OC.WRONG]) is OC.NOT_IMPLEMENTED
    assert stub_status([OC.PASSED, OC.GRADER_ERROR]) is OC.GRADER_ERROR
    assert stub_status([OC.WRONG, OC.GRADER_ERROR]) is OC.WRONG


def test_histogram_bins_are_centred_so_zero_and_full_marks_have_their_own():
    edges, counts = histogram([0, 2.5, 4, 4], 4)
    assert edges == (-0.5, 0.5, 1.5, 2.5, 3.5, 4.5) and counts == (1, 0, 0, 1, 2)
    edges, counts = histogram([0, 30, 60, 60], 60)          # 60 points: bins of 2
    assert edges[0] == -1.0 and edges[-1] == 61.0 and len(counts) == 31
    assert counts[0] == 1 and counts[15] == 1 and counts[-1] == 2
    assert sum(histogram([], 0)[1]) == 0


def test_number_and_markdown_helpers():
    assert [num(2.0), num(0.3333333), num(-0.0), num(24.96021), num(0.57142, 4)] == [
        "2", "0.33", "0", "24.96", "0.5714"]
    assert md_escape("mallory_hostile *x* [a](b) #1") == r"mallory_hostile \*x\* \[a\](b) \#1"
    block = fenced("a ``` b\nc", "  ")
    assert block.startswith("  ````text\n") and block.endswith("\n  ````")
    assert tidy_markdown("# a\n\n\n\nb\n```\n\n\n```\n") == "# a\n\nb\n```\n\n\n```\n"


# =========================================================================== reading DIR

def test_results_json_reads_back_into_the_same_result(tmp_path):
    r = class_of_five()[3].result
    write_results(r, tmp_path / "dana.json")
    back = result_from_gradescope(json.loads((tmp_path / "dana.json").read_text()), "dana")
    assert back.submission == "dana" and back.lang == "en" and back.score == r.score
    assert [(c.chapter, c.stub, c.title, c.outcome, c.score, c.max_score, c.visible, c.message) for c in back.checks] \
        == [(c.chapter, c.stub, c.title, c.outcome, c.score, c.max_score, c.visible, c.message) for c in r.checks]
    eve = class_of_five()[4].result
    write_results(eve, tmp_path / "eve.json")
    back = result_from_gradescope(json.loads((tmp_path / "eve.json").read_text()))
    assert back.notes == eve.notes and not back.error
    assert all(c.node == "" for c in back.checks)                 # staff-only: not in the file
    assert result_from_gradescope({"schema": 1, "chapters": []}) is None


def test_load_prefers_the_run_state_and_falls_back_to_json_files(tmp_path):
    from torchdrill.state import RunState

    out = tmp_path / "out"
    out.mkdir()
    sub = tmp_path / "subs" / "eve"
    sub.mkdir(parents=True)
    eve = class_of_five()[4].result
    with RunState.open(out) as st:
        (row,), _ = st.register([sub])
        assert st.finish(row.name, row.fingerprint, eve.to_dict(), error=False)
    write_results(perfect("eve"), out / "eve.json")          # a stale file: the state wins
    write_results(perfect("frank"), out / "frank.json")      # graded elsewhere: only a file
    (out / "report.json").write_text('{"schema": 1}')        # not a results file
    (out / "broken.json").write_text("{nope")
    got = load_results(out)
    assert [(g.name, g.source) for g in got] == [("eve", "state"), ("frank", "json")]
    assert got[0].result.checks[-1].node == SECRET_NODE       # the state keeps staff details
    assert got[1].result.score == 4


# =========================================================================== figures

def test_summary_figures(course):
    s = summarise(class_of_five(), course, folder="out", lang="en")
    assert (s.submissions, s.max_score, s.full_marks, s.zero) == (5, 4.0, 1, 1)
    assert s.mean == pytest.approx((4 + 2 + 0 + 2 + 1) / 5) and s.median == 2
    assert [c.id for c in s.chapters] == ["ex05_no_grad"] and s.chapters[0].title == "Stopping gradient tracking"
    ev, de = s.stub("ex05_no_grad.eval_no_grad"), s.stub("ex05_no_grad.detach")
    assert ev.statuses == {"passed": 2, "not_implemented": 1, "timeout": 1, "wrong": 1}
    assert (ev.students, ev.graded, ev.passed, ev.pass_rate) == (5, 5, 2, 0.4)
    assert de.statuses == {"passed": 1, "not_implemented": 1, "crashed": 1, "wrong": 1, "grader_error": 1}
    assert (de.graded, de.passed, de.pass_rate) == (4, 1, 0.25)
    # most students first, then by message; numbers masked, the real line kept as an example
    assert [(f.outcome, f.message, f.students) for f in de.failures] == [
        ("crashed", "detach raised RuntimeError: boom #", 1),
        ("wrong", "detach(y) for y of shape (#, #) should share memory with the input (a view), but it is a copy.", 1),
        ("wrong", "detach(y) for y of shape (#,) should share memory with the input (a view), but it is a copy.", 1)]
    assert de.failures[2].example.startswith("detach(y) for y of shape (4,)")
    assert s.hardest == ("ex05_no_grad.detach", "ex05_no_grad.eval_no_grad")
    assert [(p.name, p.timeouts, p.crashed, p.grader_errors, p.needs_look) for p in s.problems] == [
        ("eve", 2, 0, 1, True), ("dana", 0, 1, 0, False)]
    assert s.problems[0].timeout_stubs == ("ex05_no_grad.eval_no_grad",) and "notebook" in s.problems[0].details[0]
    assert [(g.qualname, g.students, g.widespread, g.details) for g in s.grader_errors] == [
        ("ex05_no_grad.detach", 1, False, (SECRET_NODE,))]
    d = s.to_dict()
    assert d["schema"] == 1 and d["histogram"]["counts"] == [1, 1, 2, 0, 1]
    assert json.loads(json.dumps(d)) == d


def test_grader_errors_everyone_got_are_the_graders_problem_not_the_submissions(course):
    rs = [result(n, [chk("eval_no_grad", "t", OC.PASSED, 2, 2),
                     chk("detach", "graded", OC.GRADER_ERROR, 0, 2, visible=False,
                         node="no check found for this stub")])
          for n in ("a", "b", "c")]
    s = summarise([Graded(r.submission, r, "json") for r in rs], course)
    assert s.stub("ex05_no_grad.detach").pass_rate is None
    assert s.problems == () and s.grader_errors[0].widespread and s.grader_errors[0].students == 3
    assert s.hardest[-1] == "ex05_no_grad.detach"            # n/a goes last


# =========================================================================== files

def _write_dir(tmp_path) -> Path:
    out = tmp_path / "out"
    for g in class_of_five():
        write_results(g.result, out / f"{g.name}.json")
    return out


def _pngs(html: str) -> list[bytes]:
    return [base64.b64decode(b) for b in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)]


def test_report_page_is_self_contained_with_real_charts(tmp_path, course):
    out = _write_dir(tmp_path)
    files = write_report(out, course, lang="en")
    html = files.html.read_text()
    pngs = _pngs(html)
    assert len(pngs) == 2
    for png in pngs:
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", png[16:24])
        assert width >= 600 and height >= 100
    # offline: no external stylesheet, script, font or image
    assert not re.search(r"<(script|link)\b", html)
    assert not re.search(r"(src|href)=\"(https?:)?//", html) and "@import" not in html and "url(" not in html
    for section in ("distribution", "pass-rates", "hardest", "failures", "problems", "students"):
        assert f'id="{section}"' in html
    assert "detach(y) for y of shape (#,) should share memory" in html
    assert 'href="feedback/eve.html"' in html and "notebook" in html
    # student text is escaped, never markup
    assert "<b>no_grad</b>" not in html
    assert json.loads(files.json.read_text()) == files.summary.to_dict()


def test_report_is_byte_identical_when_written_twice(tmp_path, course):
    out = _write_dir(tmp_path)
    first = write_report(out, course, lang="ko")
    a = (first.html.read_bytes(), first.json.read_bytes(), (out / "feedback" / "bob.md").read_bytes())
    second = write_report(out, course, lang="ko")
    assert (second.html.read_bytes(), second.json.read_bytes(), (out / "feedback" / "bob.md").read_bytes()) == a
    assert "수업 리포트" in first.html.read_text()


def test_feedback_files_per_student_in_their_language(tmp_path, course):
    out = _write_dir(tmp_path)
    files = write_report(out, course, lang="en")
    assert sorted(p.name for p in files.feedback) == sorted(f"{n}.{e}" for n in ("alice", "bob", "chris", "dana", "eve")
                                                            for e in ("html", "md"))
    chris = (out / "feedback" / "chris.md").read_text()           # lang ko
    assert chris.startswith("# chris 채점 결과\n") and "### 아직 구현하지 않음" in chris
    assert "`eval_no_grad`, `detach`" in chris and "미분 추적 금지" in chris
    dana_md = (out / "feedback" / "dana.md").read_text()
    assert "### To fix" in dana_md and "_(hidden check)_" in dana_md and "### Passed" in dana_md
    assert "  ```text\n  f(x) for x of shape (5,) was computed with gradient recording on\n" in dana_md
    dana_html = (out / "feedback" / "dana.html").read_text()
    assert "&lt;b&gt;no_grad&lt;/b&gt;" in dana_html and "<b>no_grad</b>" not in dana_html
    assert 'class="hidden">hidden check<' in dana_html
    eve = (out / "feedback" / "eve.md").read_text()
    assert "Not graded (not your fault)" in eve and "not a valid notebook" in eve


def test_feedback_never_shows_staff_details_or_solutions(tmp_path, course):
    out = tmp_path / "out"
    from torchdrill.state import RunState

    sub = tmp_path / "eve"
    sub.mkdir()
    with RunState.open(out) as st:                # from the state: node and extra are really there
        (row,), _ = st.register([sub])
        assert st.finish(row.name, row.fingerprint, class_of_five()[4].result.to_dict(), error=False)
    write_report(out, course, lang="en")
    solution = (ROOT / "solutions" / "ex05_no_grad.py").read_text()
    body = solution.split("# BEGIN SOLUTION")[1].split("# END SOLUTION")[0].strip()
    for f in (out / "feedback").iterdir():
        text = f.read_text()
        assert SECRET_NODE not in text and "SECRET-NODE" not in text and SECRET_STAFF not in text
        assert "test_detach_shares" not in text and body not in text
    assert SECRET_NODE in (out / "report.html").read_text()       # the instructor's page may show it


def test_repeated_messages_are_written_once_per_stub(course):
    msg = "detach raised SystemExit: 0\nhint: return a value instead."
    r = result("m", [chk("detach", "a", OC.CRASHED, 0, 1, message=msg),
                     chk("detach", "b", OC.CRASHED, 0, 1, message=msg),
                     chk("detach", "c", OC.CRASHED, 0, 1, message=msg)])
    fb = build_feedback("m", r, course)
    assert [c.same_as_above for c in fb.chapters[0].fix] == [False, True, True]
    assert render_feedback_md(fb).count("detach raised SystemExit") == 1
    assert render_feedback_html(fb).count("detach raised SystemExit") == 1


def test_report_refuses_to_overwrite_a_submission_named_report(tmp_path, course):
    out = tmp_path / "out"
    write_results(perfect("report"), out / "report.json")
    with pytest.raises(UsageError, match="result file of submission 'report'"):
        write_report(out, course)
    files = write_report(out, course, json_path=tmp_path / "summary.json")
    assert files.summary.submissions == 1 and json.loads((out / "report.json").read_text())["tests"]


def test_report_errors_name_the_fix(tmp_path, course):
    with pytest.raises(UsageError, match="no such folder"):
        write_report(tmp_path / "nope", course)
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="grade first"):
        write_report(tmp_path / "empty", course)


def test_cli_report(tmp_path, capsys):
    out = _write_dir(tmp_path)
    assert main(["report", str(out), "--course", str(ROOT), "--lang", "en", "--no-feedback"]) == 0
    printed = capsys.readouterr().out
    assert "5 submissions, mean 1.8 / 4, 1 need a look" in printed and "report.html" in printed
    assert (out / "report.html").is_file() and not (out / "feedback").exists()
    assert main(["report", str(tmp_path / "missing"), "--course", str(ROOT)]) == 2


# =========================================================================== end to end

@pytest.mark.slow
def test_report_on_graded_examples(tmp_path):
    out = tmp_path / "out"
    subs = [ROOT / "examples" / n for n in ("alice_perfect", "bob_half_right", "mallory_hostile")]
    subs += [ROOT / "solutions", ROOT / "exercises"]
    run = subprocess.run([sys.executable, "-m", "torchdrill", "grade", *map(str, subs), "--out", str(out),
                          "--only", "ex05_no_grad", "--lang", "en", "--device", "cpu", "--no-progress"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    run = subprocess.run([sys.executable, "-m", "torchdrill", "report", str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    report = json.loads((out / "report.json").read_text())
    students = {s["name"]: s for s in report["students"]}
    assert set(students) == {"alice_perfect", "bob_half_right", "mallory_hostile", "solutions", "exercises"}
    assert students["solutions"]["score"] == students["solutions"]["max_score"] == 4
    assert students["exercises"]["statuses"] == {"not_implemented": 2}
    assert students["mallory_hostile"]["score"] == 0
    assert "mallory_hostile" in {p["name"] for p in report["problems"]}
    assert len(_pngs((out / "report.html").read_text())) == 2
    exercises = (out / "feedback" / "exercises.md").read_text()   # lang from the grade run: en
    assert "### Not implemented yet" in exercises and "`eval_no_grad`, `detach`" in exercises


# the feedback students read, exactly (student-facing words are an API)
DANA_MD = """\
# Feedback for dana

**Score: 2 / 4**

## ex05_no_grad · Stopping gradient tracking (2 / 4 points)

### To fix

- **`eval_no_grad`: unseen** _(hidden check)_ — wrong answer (0/1)

  ```text
  f(x) for x of shape (5,) was computed with gradient recording on
  hint: <b>no_grad</b>
  ```

- **`detach`: values** — your code crashed (0/1)

  ```text
  detach raised RuntimeError: boom 42
  where (your code):
    line 3, in detach
  ```

### Passed

- ✓ `eval_no_grad`: example (1/1)
- ✓ `detach`: shares memory _(hidden check)_ (1/1)

---

_Generated by torchdrill. Checks marked “hidden check” run only at grading: you see their title and what went \
wrong, never their code._
"""

CHRIS_MD = """\
# chris 채점 결과

**점수: 0 / 4**

## ex05_no_grad · 미분 추적 금지 (0 / 4점)

### 아직 구현하지 않음

`eval_no_grad`, `detach`

이 함수들은 아직 NotImplementedError를 냅니다. 구현한 뒤 다시 제출하세요.

---

_torchdrill이 만든 피드백입니다. “숨겨진 검사”는 채점 때만 실행됩니다. 제목과 무엇이 틀렸는지는 보여 주지만 \
검사 코드는 보여 주지 않습니다._
"""


def test_feedback_markdown_golden(course):
    graded = {g.name: g for g in class_of_five()}
    for name, expected in (("dana", DANA_MD), ("chris", CHRIS_MD)):
        fb = build_feedback(name, graded[name].result, course)
        assert tidy_markdown(render_feedback_md(fb)) == expected


def test_report_without_a_course_uses_the_results_own_order_and_points(tmp_path):
    out = _write_dir(tmp_path)
    s = write_report(out, None, lang="en").summary
    assert [c.id for c in s.chapters] == ["ex05_no_grad"] and s.chapters[0].title == "ex05_no_grad"
    assert [(st.qualname, st.points) for st in s.chapters[0].stubs] == [("ex05_no_grad.eval_no_grad", 2.0),
                                                                        ("ex05_no_grad.detach", 2.0)]
    assert "## ex05_no_grad (" in (out / "feedback" / "bob.md").read_text()


# =========================================================================== rendered again in another language

def _structures(folder: Path, name: str) -> list:
    """The messages behind one submission's results.json, as data (what may stay verbatim)."""
    d = json.loads((folder / f"{name}.json").read_text())
    return [t.get("extra_data", {}) for t in d["tests"]] + [d["extra_data"].get("note_msgs", [])]


def _graded_folder(tmp_path: Path, lang: str) -> Path:
    """bob (wrong answers), mallory (hostile), and one with a syntax error and a broken notebook,
    graded through the CLI in ``lang`` into a folder of results.json files only (no run state)."""
    subs = tmp_path / "subs"
    if not subs.exists():
        for name in ("bob_half_right", "mallory_hostile"):
            shutil.copytree(ROOT / "examples" / name, subs / name)
        (subs / "notes").mkdir()
        (subs / "notes" / "ex05_no_grad.py").write_text("def eval_no_grad(f, x):\n    return f(x) +\n")
        (subs / "notes" / "ex07_optimization.ipynb").write_text("{nope")
    out = tmp_path / f"graded-{lang}"
    run = subprocess.run([sys.executable, "-m", "torchdrill", "grade", *map(str, sorted(subs.iterdir())), "--out",
                          str(out), "--lang", lang, "--device", "cpu", "--no-progress"],
                         cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr
    for state in out.glob(".torchdrill-state.sqlite*"):
        state.unlink()                     # re-rendering needs nothing but the results.json files
    return out


@pytest.fixture(scope="module")
def graded_in_korean(tmp_path_factory):
    return _graded_folder(tmp_path_factory.mktemp("ko"), "ko")


@pytest.mark.slow
def test_a_folder_graded_in_korean_reads_in_english(graded_in_korean):
    from language_support import hangul

    out = graded_in_korean
    assert HANGUL.search((out / "bob_half_right.json").read_text())          # graded in Korean
    run = subprocess.run([sys.executable, "-m", "torchdrill", "report", str(out), "--lang", "en"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    for name in ("bob_half_right", "mallory_hostile", "notes"):
        structure = _structures(out, name)
        for ext in ("md", "html"):
            page = (out / "feedback" / f"{name}.{ext}").read_text()
            assert page.count("Feedback for") >= 1 and not hangul(page, structure), (name, hangul(page, structure))
    assert not HANGUL.search((out / "report.html").read_text()) and "Class report" in (out / "report.html").read_text()
    notes = (out / "feedback" / "notes.md").read_text()
    assert "ex07_optimization.ipynb: is not a valid notebook (NotJSONError); it was not graded." in notes
    assert "ex05_no_grad.py has a syntax error at line 2" in notes
    bob = (out / "feedback" / "bob_half_right.md").read_text()
    assert "### To fix" in bob and "expected: " in bob and "hint: " in bob


@pytest.mark.slow
def test_a_folder_graded_in_english_reads_in_korean(tmp_path):
    from language_support import english_prose

    out = _graded_folder(tmp_path, "en")
    assert main(["report", str(out), "--course", str(ROOT), "--lang", "ko"]) == 0
    failed = 0
    for g in load_results(out):
        ko = g.result.localized("ko")
        structure = _structures(out, g.name)
        page = (out / "feedback" / f"{g.name}.md").read_text()
        assert page.startswith(f"# {g.name} 채점 결과\n") and "Feedback for" not in page
        for c in ko.checks:
            if c.outcome.passed or c.outcome is Outcome.NOT_IMPLEMENTED:
                continue
            failed += 1
            assert c.feedback is not None and HANGUL.search(c.message), (g.name, c.title, c.message)
            assert not english_prose(c.message, structure), (g.name, c.title, english_prose(c.message, structure))
            assert HANGUL.search(c.title) or not english_prose(c.title), c.title
            first = c.message.splitlines()[0]
            assert c.outcome is Outcome.MISSING or first in page, first
        for note in ko.notes:
            assert HANGUL.search(note) and note in page
    assert failed > 20


def test_results_json_keeps_the_structure_and_renders_in_the_other_language(tmp_path):
    from torchdrill.messages import Feedback, msg
    from torchdrill.render.gradescope import results_json, without_measurements

    fb = Feedback.of(msg("{func} used more than {mb} MB of memory and was stopped.", func="detach", mb=512))
    check = CheckResult("ex05_no_grad", "detach", "값", OC.MEMORY, 0.0, 1.0, True, fb.render("ko"),
                        title_id="values", feedback=fb)
    note = msg("{name}: not found.", name="ex05_no_grad.py")
    r = SubmissionResult("s", (check,), lang="ko", notes=(note.render("ko"),), note_msgs=(note,), seconds=1.5,
                         extra={"memory_peak_mb": 3.0})
    write_results(r, tmp_path / "s.json")
    data = json.loads((tmp_path / "s.json").read_text())
    assert data["tests"][0]["extra_data"] == {"outcome": "memory", "title_id": "values", "feedback": fb.to_data()}
    assert data["extra_data"]["note_msgs"] == [note.to_data()]
    assert without_measurements(data) == without_measurements(results_json(r))
    back = result_from_gradescope(data, "s")
    assert back.checks[0].message == check.message and back.notes == r.notes        # as graded
    en = back.localized("en")
    assert en.checks[0].message == "detach used more than 512 MB of memory and was stopped."
    assert en.notes == ("ex05_no_grad.py: not found.",) and en.lang == "en"
    # a results.json written before the structure was kept still reads, in its own language only
    for t in data["tests"]:
        t.pop("extra_data")
    data["extra_data"].pop("note_msgs")
    old = result_from_gradescope(data, "s").localized("en")
    assert old.checks[0].message == check.message and old.notes == r.notes
