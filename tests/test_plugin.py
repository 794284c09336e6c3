"""grading/plugin.py seen from outside: which checks a Job selects, and how each check's end
(passed, a wrong answer, a student problem, a bare assert, a grader bug, a skip) becomes exactly
one outcome.  A tiny grader file runs through pytest with the plugin, as a grading session does;
no check asks for the ``student`` fixture, so no sandbox is started (fast)."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from torchdrill.grading.plugin import GradingPlugin, Job, Record, chapter_of, pytest_args
from torchdrill.results import Outcome
from torchdrill.session import run_pytest

GRADER = '''
import pytest

from torchdrill.grading import N_, StudentProblem, check, wrong
from torchdrill.results import Outcome


@check("add", "adds two numbers", visible=True)
def test_add_passes():
    assert 1 + 1 == 2


@check("add", "adds negative numbers", weight=2.0)
def test_add_wrong():
    raise wrong(N_("the sum is wrong."), "3", "4", N_("add, do not multiply"))


@check("add", "a bare assert in a grader")
def test_add_assert():
    assert 1 + 1 == 3, "the grader's own words, never shown to students"


@check("mul", "multiplies", visible=True)
def test_mul_not_implemented():
    raise StudentProblem(Outcome.NOT_IMPLEMENTED, N_("mul is not implemented yet."))


@check("mul", "a grader bug")
def test_mul_grader_bug():
    {}["missing"]


@check("mul", "skipped")
def test_mul_skipped():
    pytest.skip("a skip never counts as a pass")


@check("mul", "needs the solutions")
def test_mul_reference(reference):
    pass


def test_helper_not_a_check():
    pass
'''

CHAPTER = "ex99_demo"


@pytest.fixture
def grader(tmp_path: Path) -> Path:
    path = tmp_path / "graders" / f"test_{CHAPTER}.py"
    path.parent.mkdir()
    path.write_text(textwrap.dedent(GRADER), encoding="utf-8")
    return path


def _run(grader: Path, tmp_path: Path, **kw) -> GradingPlugin:
    kw.setdefault("solutions_dir", None)
    plugin = GradingPlugin(sandbox=None, lang="en", device="cpu", **kw)
    run_pytest(pytest_args([grader], tmp_path), plugin)
    return plugin


def _by_title(records: dict[str, Record]) -> dict[str, Record]:
    return {r.title_id: r for r in records.values()}


# --------------------------------------------------------------------------- selection

def _rec(chapter: str, stub: str, visible: bool) -> Record:
    return Record(f"{chapter}::{stub}", chapter, stub, "a title", visible, 1.0)


@pytest.mark.parametrize(("job", "selected"), [
    (Job({}), {"ex01.a", "ex01.b", "ex02.a"}),
    (Job({}, chapters=["ex01"]), {"ex01.a", "ex01.b"}),
    (Job({}, stubs={"ex01.a", "ex02.a"}), {"ex01.a", "ex02.a"}),
    (Job({}, visible_only=True), {"ex01.a", "ex02.a"}),
    (Job({}, chapters=["ex02"], stubs={"ex01.a", "ex02.a"}, visible_only=True), {"ex02.a"}),
    (Job({}, chapters=[]), set()),
])
def test_a_job_selects_by_chapter_stub_and_visibility(job: Job, selected: set[str]):
    records = [_rec("ex01", "a", True), _rec("ex01", "b", False), _rec("ex02", "a", True)]
    assert {f"{r.chapter}.{r.stub}" for r in records if job.selects(r)} == selected


def test_a_chapter_is_the_grader_module_name_without_test_():
    assert chapter_of("test_ex07_optimization") == "ex07_optimization"
    assert chapter_of("graders.test_ex07_optimization") == "ex07_optimization"
    assert chapter_of("ex07_optimization") == "ex07_optimization"


# --------------------------------------------------------------------------- outcomes

def test_each_way_a_check_ends_is_one_outcome(grader: Path, tmp_path: Path):
    plugin = _run(grader, tmp_path)
    assert plugin.collect_errors == []
    got = _by_title(plugin.records)
    assert set(got) == {"adds two numbers", "adds negative numbers", "a bare assert in a grader", "multiplies",
                        "a grader bug", "skipped", "needs the solutions"}     # the helper test is no check
    assert {t: r.outcome for t, r in got.items()} == {
        "adds two numbers": Outcome.PASSED,
        "adds negative numbers": Outcome.WRONG,
        "a bare assert in a grader": Outcome.WRONG,
        "multiplies": Outcome.NOT_IMPLEMENTED,
        "a grader bug": Outcome.GRADER_ERROR,
        "skipped": Outcome.GRADER_ERROR,             # fail closed: a skip is no pass
        "needs the solutions": Outcome.GRADER_ERROR,  # no solutions here: the reference fixture skips
    }
    assert all(r.chapter == CHAPTER for r in got.values())

    add_wrong = got["adds negative numbers"]
    assert (add_wrong.stub, add_wrong.weight, add_wrong.visible) == ("add", 2.0, False)
    assert add_wrong.feedback is not None
    assert add_wrong.feedback.summary.id == "the sum is wrong."
    assert add_wrong.feedback.hint is not None and add_wrong.feedback.hint.id == "add, do not multiply"

    bare = got["a bare assert in a grader"]
    assert bare.feedback is not None and bare.feedback.summary.id == "the result is not what was expected."
    assert "the grader's own words" in bare.staff                  # for staff only
    assert "the grader's own words" not in bare.feedback.render("en")

    bug = got["a grader bug"]
    assert bug.staff.startswith("KeyError")
    assert "KeyError" not in bug.feedback.render("en")

    assert got["multiplies"].feedback.summary.id == "mul is not implemented yet."
    assert got["adds two numbers"].feedback is None


def test_a_failed_check_is_filed_without_pytests_failure_text(grader: Path, tmp_path: Path, monkeypatch):
    """pytest's failure text re-parses the grader's source for every traceback entry (about 25 ms a
    failed check); nothing reads it, so the plugin makes the phase reports itself."""
    def no_text(*_a, **_k):
        raise AssertionError("pytest's failure text was built")

    monkeypatch.setattr(pytest.Item, "repr_failure", no_text)
    monkeypatch.setattr(pytest.Function, "repr_failure", no_text)
    reports: list[pytest.TestReport] = []

    class Watch:
        def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
            reports.append(report)

    plugin = GradingPlugin(sandbox=None, lang="en", device="cpu", solutions_dir=None)
    pytest.main(pytest_args([grader], tmp_path), plugins=[plugin, Watch()])
    got = _by_title(plugin.records)
    assert got["adds negative numbers"].outcome is Outcome.WRONG
    assert got["a grader bug"].outcome is Outcome.GRADER_ERROR
    by_phase = {(r.nodeid.rsplit("::", 1)[-1], r.when): r for r in reports}
    wrong = by_phase[("test_add_wrong", "call")]
    assert wrong.failed and wrong.longrepr.startswith("WrongAnswer")     # a one-line text, not pytest's
    assert by_phase[("test_mul_skipped", "call")].skipped
    assert by_phase[("test_add_passes", "call")].passed and by_phase[("test_add_passes", "call")].longrepr is None


@pytest.mark.parametrize(("kw", "titles"), [
    ({"visible_only": True}, {"adds two numbers", "multiplies"}),
    ({"stubs": {f"{CHAPTER}.mul"}}, {"multiplies", "a grader bug", "skipped", "needs the solutions"}),
    ({"stubs": {f"{CHAPTER}.add"}, "visible_only": True}, {"adds two numbers"}),
])
def test_a_plugin_without_jobs_runs_only_what_its_arguments_select(grader: Path, tmp_path: Path, kw, titles):
    plugin = _run(grader, tmp_path, **kw)
    assert set(_by_title(plugin.records)) == titles
    assert len(plugin.checks) == 7                   # every check is collected, whatever runs


def test_jobs_run_in_turn_each_with_its_own_records(grader: Path, tmp_path: Path):
    finished: list[tuple[str, dict[str, Outcome | None]]] = []

    def done(job: Job) -> None:
        finished.append((job.seed_salt, {r.title_id: r.outcome for r in job.records.values()}))

    jobs = [Job({}, visible_only=True, seed_salt="first", done=done),
            Job({}, stubs={f"{CHAPTER}.add"}, seed_salt="second", done=done),
            Job({}, chapters=["another_chapter"], seed_salt="third", done=done)]
    _run(grader, tmp_path, jobs=jobs)
    assert finished == [
        ("first", {"adds two numbers": Outcome.PASSED, "multiplies": Outcome.NOT_IMPLEMENTED}),
        ("second", {"adds two numbers": Outcome.PASSED, "adds negative numbers": Outcome.WRONG,
                    "a bare assert in a grader": Outcome.WRONG}),
        ("third", {}),
    ]
    assert all(job.budget is not None for job in jobs)


def test_collect_only_counts_the_selected_checks_and_runs_none(grader: Path, tmp_path: Path):
    plugin = GradingPlugin(sandbox=None, solutions_dir=None, lang="en", device="cpu", visible_only=True)
    run_pytest([*pytest_args([grader], tmp_path), "--collect-only"], plugin)
    assert set(_by_title(plugin.records)) == {"adds two numbers", "multiplies"}
    assert all(r.outcome is None for r in plugin.records.values())


def test_a_grader_that_does_not_import_is_a_collection_error(tmp_path: Path):
    broken = tmp_path / "graders" / "test_ex98_broken.py"
    broken.parent.mkdir()
    broken.write_text("def test_x(:\n    pass\n", encoding="utf-8")
    plugin = _run(broken, tmp_path)
    assert plugin.records == {}
    assert len(plugin.collect_errors) == 1 and "test_ex98_broken.py" in plugin.collect_errors[0]
