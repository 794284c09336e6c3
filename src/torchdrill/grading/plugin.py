"""The pytest plugin that runs the graders for one submission and files every outcome.

Fail closed: a check counts as passed only when its test body ran to the end; a skip, an
error in the grader, a collection failure or a check that never ran is a failure, and each
failure is filed as exactly one of the outcome kinds.  Messages come from the exceptions'
final text, never from pytest's traceback or assertion rewriting (which would show grader code).
"""
from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from ..results import Outcome
from .feedback import StudentProblem, WrongAnswer, _, set_language
from .student import Budget, Student

MARK = "torchdrill"


@dataclass
class Record:
    nodeid: str
    chapter: str
    stub: str
    title: str
    visible: bool
    weight: float
    outcome: Outcome | None = None
    message: str = ""
    staff: str = ""          # what went wrong inside a grader: for staff logs only


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
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        _reference_cache[key] = mod
    return mod


class GradingPlugin:
    def __init__(self, *, sandbox, staged: dict[str, Path], solutions_dir: Path | None, lang: str,
                 device, visible_only: bool = False, stubs: set[str] | None = None, seed_salt: str = "",
                 submission_seconds: float = float("inf")):
        self.sandbox, self.staged, self.solutions_dir = sandbox, staged, solutions_dir
        self._lang, self._device, self.visible_only, self.stubs = lang, device, visible_only, stubs
        self.seed_salt = seed_salt
        self.budget = Budget(submission_seconds)
        self.records: dict[str, Record] = {}
        self.collect_errors: list[str] = []

    # ------------------------------------------------------------------ fixtures
    @pytest.fixture
    def student(self, request) -> Student:
        chapter = chapter_of(request.module.__name__)
        ref = self.solutions_dir / f"{chapter}.py" if self.solutions_dir else None
        return Student(self.sandbox, chapter, self.staged.get(chapter), ref if ref and ref.is_file() else None,
                       seed_salt=self.seed_salt, budget=self.budget)

    @pytest.fixture
    def reference(self, request) -> ModuleType:
        chapter = chapter_of(request.module.__name__)
        if self.solutions_dir is None:
            pytest.skip("no reference solutions here")
        return load_reference(self.solutions_dir / f"{chapter}.py")

    @pytest.fixture
    def device(self):
        import torch

        return torch.device(self._device)

    @pytest.fixture
    def lang(self) -> str:
        return self._lang

    # ------------------------------------------------------------------ collection
    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self.collect_errors.append(f"{report.nodeid}: {report.longreprtext[-2000:]}")

    def pytest_collection_modifyitems(self, session, config, items) -> None:
        keep, drop = [], []
        for item in items:
            mark = item.get_closest_marker(MARK)
            if mark is None:
                drop.append(item)       # not a check (a helper test): not graded
                continue
            kw = mark.kwargs
            chapter = chapter_of(item.module.__name__)
            qual = f"{chapter}.{kw['stub']}"
            if (self.visible_only and not kw.get("visible")) or (self.stubs is not None and qual not in self.stubs):
                drop.append(item)
                continue
            self.records[item.nodeid] = Record(
                item.nodeid, chapter, kw["stub"], kw["ko"] if self._lang == "ko" else kw["en"],
                bool(kw.get("visible")), float(kw.get("weight", 1.0)))
            keep.append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    # ------------------------------------------------------------------ running
    def pytest_runtest_setup(self, item) -> None:
        set_language(self._lang)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        rep = outcome.get_result()
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
            rec.outcome, rec.message = exc.outcome, exc.message
        elif isinstance(exc, WrongAnswer):
            rec.outcome, rec.message = Outcome.WRONG, exc.render()
        elif isinstance(exc, AssertionError) and rep.when == "call":
            rec.outcome, rec.message = Outcome.WRONG, _("the result is not what was expected.")
            rec.staff = _staff(exc)
        else:
            rec.outcome = Outcome.GRADER_ERROR
            rec.message = _("grader error: this is not your fault, please tell the course staff.")
            rec.staff = _staff(exc) if exc is not None else f"{rep.when}: {rep.outcome}"


def _staff(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:2000]}"


def pytest_args(grader_files: list[Path], rootdir: Path) -> list[str]:
    """The trusted command line: our rootdir, no ini or conftest from anywhere, no cache."""
    return [*map(str, grader_files), "--rootdir", str(rootdir), "-c", str(Path(__file__).with_name("pytest.ini")),
            "--noconftest", "--import-mode=importlib", "-p", "no:cacheprovider", "-p", "no:randomly",
            "-p", "no:xdist", "-p", "no:timeout", "-q", "--no-header", "-o", "console_output_style=classic"]
