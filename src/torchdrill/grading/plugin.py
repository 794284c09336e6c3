"""The pytest plugin that runs the graders, submission after submission, and files every outcome.

The graders are collected once; then each :class:`Job` (one staged submission, which stubs,
visible checks only or all) runs the checks it selects, with fresh fixtures, through pytest's own
run-test protocol, so a worker pays pytest's start-up and collection once, not per submission.
A plugin made without ``jobs`` grades one job made of its own arguments (and ``--collect-only``
only counts the checks).

Fail closed: a check counts as passed only when its test body ran to the end; a skip, an
error in the grader, a collection failure or a check that never ran is a failure, and each
failure is filed as exactly one of the outcome kinds.  Messages come from the exceptions'
final text, never from pytest's traceback or assertion rewriting (which would show grader code).
"""
from __future__ import annotations

import dataclasses
import importlib.util
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Literal, cast

import pytest

from ..messages import GRADER_ERROR, Feedback
from ..results import Outcome
from .feedback import StudentProblem, WrongAnswer, set_language
from .refcache import CachedReference
from .student import Budget, Student

if TYPE_CHECKING:
    import torch

    from ..sandbox import Sandbox

MARK = "torchdrill"


@dataclass
class Record:
    nodeid: str
    chapter: str
    stub: str
    title_id: str            # the check's title as a message id
    visible: bool
    weight: float
    outcome: Outcome | None = None
    feedback: Feedback | None = None
    staff: str = ""          # what went wrong inside a grader: for staff logs only


@dataclass
class Job:
    """One submission to run the checks on, and which checks."""

    staged: dict[str, Path]
    chapters: list[str] | None = None        # None: every chapter collected
    stubs: set[str] | None = None            # None: every stub of those chapters
    visible_only: bool = False
    submission_seconds: float = float("inf")
    seed_salt: str = ""
    records: dict[str, Record] = field(default_factory=dict)
    budget: Budget | None = None
    done: Callable[[Job], None] | None = None   # called when its checks have run

    def selects(self, rec: Record) -> bool:
        return ((self.chapters is None or rec.chapter in self.chapters)
                and (not self.visible_only or rec.visible)
                and (self.stubs is None or f"{rec.chapter}.{rec.stub}" in self.stubs))


def chapter_of(module_name: str) -> str:
    name = module_name.rsplit(".", 1)[-1]
    return name[len("test_"):] if name.startswith("test_") else name


_reference_cache: dict[tuple[str, float], ModuleType] = {}


def load_reference(path: Path) -> ModuleType:
    """Import a solutions module in the trusted process (cached by path and mtime)."""
    key = (str(path), path.stat().st_mtime)
    mod = _reference_cache.get(key)
    if mod is None:
        spec = importlib.util.spec_from_file_location(f"_torchdrill_reference_{path.stem}", path)
        assert spec is not None and spec.loader is not None     # a .py file always has both
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        _reference_cache[key] = mod
    return mod


class GradingPlugin:
    def __init__(self, *, sandbox: Sandbox | None, staged: dict[str, Path] | None = None,
                 solutions_dir: Path | None, lang: str, device: str | torch.device,
                 visible_only: bool = False, stubs: set[str] | None = None, seed_salt: str = "",
                 submission_seconds: float = float("inf"), jobs: Iterable[Job] | None = None):
        self.sandbox, self.solutions_dir = sandbox, solutions_dir
        self._lang, self._device = lang, device
        self.visible_only, self.stubs = visible_only, stubs
        self.jobs = jobs if jobs is not None else [Job(dict(staged or {}), None, stubs, visible_only,
                                                       submission_seconds, seed_salt)]
        self.job: Job | None = None
        self.item: pytest.Item | None = None       # the check running now
        self.checks: dict[str, Record] = {}     # every collected check, as a template
        self.records: dict[str, Record] = {}    # the current (or last) job's records
        self.collect_errors: list[str] = []

    # ------------------------------------------------------------------ fixtures
    # The fixtures read the running check's chapter from ``self.item`` rather than asking for
    # ``request``: pytest builds a fixture definition for ``request`` at every use (an
    # ``inspect.signature`` each), about 0.1 ms a check.
    @pytest.fixture
    def student(self) -> Student:
        job = self.job
        assert job is not None and self.sandbox is not None     # checks run inside a job, with a sandbox
        chapter = self._chapter()
        ref = self.solutions_dir / f"{chapter}.py" if self.solutions_dir else None
        return Student(self.sandbox, chapter, job.staged.get(chapter), ref if ref and ref.is_file() else None,
                       seed_salt=job.seed_salt, budget=job.budget)

    @pytest.fixture
    def reference(self) -> CachedReference:
        chapter = self._chapter()
        if self.solutions_dir is None:
            pytest.skip("no reference solutions here")
        path = self.solutions_dir / f"{chapter}.py"
        return CachedReference(load_reference(path), path)

    def _chapter(self) -> str:
        assert self.item is not None            # fixtures are set up for the check that runs
        return chapter_of(cast(pytest.Function, self.item).module.__name__)

    @pytest.fixture
    def device(self) -> torch.device:
        import torch

        return torch.device(self._device)

    @pytest.fixture
    def lang(self) -> str:
        return self._lang

    # ------------------------------------------------------------------ collection
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(f"{report.nodeid}: {report.longreprtext[-2000:]}")

    def pytest_collection_modifyitems(self, session: pytest.Session, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        keep, drop = [], []
        for item in items:
            mark = item.get_closest_marker(MARK)
            if mark is None:
                drop.append(item)       # not a check (a helper test): not graded
                continue
            kw = mark.kwargs
            module = cast(pytest.Function, item).module     # a check (it carries the mark) is a test function
            rec = Record(item.nodeid, chapter_of(module.__name__), kw["stub"], kw["title"],
                         bool(kw.get("visible")), float(kw.get("weight", 1.0)))
            self.checks[item.nodeid] = rec
            if not ((self.visible_only and not rec.visible)
                    or (self.stubs is not None and f"{rec.chapter}.{rec.stub}" not in self.stubs)):
                self.records[item.nodeid] = rec          # what --collect-only counts
            keep.append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        """Each job in turn: the checks it selects, fresh fixtures for every one (pytest's own
        protocol tears everything down after a job's last check), then the job's ``done``."""
        if session.config.option.collectonly:
            return True
        for job in self.jobs:
            self.job = job
            if job.budget is None:
                job.budget = Budget(job.submission_seconds)
            items = [it for it in session.items if it.nodeid in self.checks and job.selects(self.checks[it.nodeid])]
            job.records = {it.nodeid: dataclasses.replace(self.checks[it.nodeid]) for it in items}
            self.records = job.records
            for i, item in enumerate(items):
                self.item = item
                item.ihook.pytest_runtest_protocol(item=item, nextitem=items[i + 1] if i + 1 < len(items) else None)
            if job.done is not None:
                job.done(job)
        self.job, self.item = None, None
        return True

    # ------------------------------------------------------------------ running
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        set_language(self._lang)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
        """The report of one phase of a check, made here instead of by pytest: the outcome and the
        message come from the exception (see :meth:`_file`), never from pytest's failure text,
        and building that text re-parses the grader's source for every traceback entry (about
        25 ms a failed check: a stub's whole course cost 1.7 s of this process's CPU in it)."""
        excinfo = call.excinfo
        longrepr: tuple[str, int, str] | str | None = None
        if excinfo is None:
            outcome: Literal["passed", "failed", "skipped"] = "passed"
        elif isinstance(excinfo.value, pytest.skip.Exception):
            outcome, longrepr = "skipped", (str(item.path), 0, str(excinfo.value)[:500])
        else:
            outcome, longrepr = "failed", f"{excinfo.typename}: {str(excinfo.value)[:500]}"
        assert call.when != "collect"          # a check's phases only
        rep = pytest.TestReport(item.nodeid, item.location, {}, outcome, longrepr, call.when,
                                duration=call.duration, start=call.start, stop=call.stop)
        self._file(item, call, rep)
        return rep

    def _file(self, item: pytest.Item, call: pytest.CallInfo[None], rep: pytest.TestReport) -> None:
        """The check's outcome from this phase, once: passed only when its body ran to the end."""
        rec = self.records.get(item.nodeid)
        if rec is None:
            return
        if rep.when == "call" and rep.passed and rec.outcome is None:
            rec.outcome = Outcome.PASSED
            return
        if rep.passed:
            return
        if rec.outcome not in (None, Outcome.PASSED):
            return            # keep the first failure (a teardown error after a failed call)
        exc = call.excinfo.value if call.excinfo is not None else None
        if isinstance(exc, StudentProblem):
            rec.outcome, rec.feedback = exc.outcome, exc.feedback
        elif isinstance(exc, WrongAnswer):
            rec.outcome, rec.feedback = Outcome.WRONG, exc.feedback
        elif isinstance(exc, AssertionError) and rep.when == "call":
            rec.outcome, rec.feedback = Outcome.WRONG, Feedback.of("the result is not what was expected.")
            rec.staff = _staff(exc)
        else:
            rec.outcome = Outcome.GRADER_ERROR
            rec.feedback = Feedback.of(GRADER_ERROR)
            rec.staff = _staff(exc) if exc is not None else f"{rep.when}: {rep.outcome}"


def _staff(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:2000]}"


def pytest_args(grader_files: list[Path], rootdir: Path) -> list[str]:
    """The trusted command line: our rootdir, no ini or conftest from anywhere, no cache."""
    quiet = [f"no:{name}" for name in _UNUSED_PLUGINS]
    return [*map(str, grader_files), "--rootdir", str(rootdir), "-c", str(Path(__file__).with_name("pytest.ini")),
            "--noconftest", "--import-mode=importlib", *[x for q in quiet for x in ("-p", q)],
            "--disable-plugin-autoload", "--capture=no"]


#: pytest plugins a grading run has no use for; each costs time per check (the terminal reporter
#: would also keep every report of a worker's whole life in memory).
_UNUSED_PLUGINS = ("cacheprovider", "randomly", "xdist", "timeout", "terminal", "logging", "junitxml", "pastebin",
                   "doctest", "nose", "stepwise", "faulthandler", "unraisableexception", "threadexception",
                   "warnings", "setuponly", "setupplan", "legacypath")
