"""A grading session: one warm sandbox, the device, the limits and the collected graders.

Every way of grading goes through it — ``grade --json``, a batch worker, ``check``, a notebook's
check cell, the nbgrader paths, a cluster worker:

    with GradingSession(course, lang="ko", device="auto") as session:
        result = session.grade(Path("submissions/alice"))            # one
        session.grade_many(jobs, on_result)                           # many, graders collected once

The sandbox's zygote starts first and imports torch while this process does the same; the device
is resolved here ("auto": cuda, else mps, else cpu) and the limits follow from it.  Per submission
the session stages the files, runs the selected checks (pytest's collection and set-up paid once
per session, not per submission), assembles the points, ends the sandbox's child (nothing the
submission started survives it) and removes the staged copy.  ``grade`` never raises for anything
a submission does: grading that breaks still gives a valid result that says so.
"""
from __future__ import annotations

import contextlib
import io
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .course import Course
from .fsutil import remove_tree
from .results import SubmissionResult

if TYPE_CHECKING:
    import torch


def _one_thread() -> int:
    """One intra-op thread for the checks' tensor work in this process; returns the count before.

    Their tensors are small, so a second thread only adds hand-offs (``torch.erf`` of 2,000
    doubles: 7.8 ms with two threads, 0.02 ms with one, on the 2-core machine), and its spinning
    takes a core from the sandbox's child or another worker.  One thread also gives the reference
    numbers the same order of summation on every machine."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    return before


SESSION = "<the session's selection>"


@dataclass
class Submission:
    """What to grade, and the name its result is filed under."""

    path: Path
    name: str | None = None
    key: object = None          # the caller's own handle (a batch's task), handed back with the result
    select: str | None = SESSION   # CHAPTER[.STUB] to grade, None for all; by default the session's
    visible_only: bool | None = None   # only the checks students see; by default the session's


class GradingSession:
    def __init__(self, course: Course, *, lang: str, device: str = "auto", select: str | None = None,
                 visible_only: bool = False, sandbox=None, warm: bool = True):
        self.course, self.lang, self.requested = course, lang, device
        #: warm up for many submissions (an optimizer step in both processes: ~1 s once, instead of in
        #: the first submission's checks); off for a student's one quick check
        self.warm = warm
        self.select, self.visible_only = select, visible_only
        self.sandbox = sandbox
        self._own_sandbox = sandbox is None
        self.device: torch.device | None = None      # resolved by start()
        self._threads = 0                 # torch's intra-op thread count before start(), to put back
        self.chapters, self.stubs = self.selection(select)

    def selection(self, select: str | None) -> tuple[list[str], set[str] | None]:
        """The chapters and stubs ``select`` names (an unknown name fails with a did-you-mean)."""
        selected = self.course.select(select)
        return [c.id for c, _s in selected], (None if select is None
                                              else {c.qualname(s) for c, ss in selected for s in ss})

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> GradingSession:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self, *, wait: bool = True) -> GradingSession:
        """Start the sandbox (it warms up meanwhile), resolve the device, set the limits; with
        ``wait``, until the sandbox is ready (else the first call waits, and the graders are
        collected meanwhile)."""
        from . import grade

        if self.device is not None:
            return self
        if self.sandbox is None:
            self.sandbox = grade.new_sandbox(self.course, "cpu")
            self.sandbox.warm = self.warm
        self.sandbox.start()
        try:
            self.device = grade.resolve_device(self.requested)
            self._threads = _one_thread()
            self.sandbox.limits = grade.new_sandbox(self.course, self.device).limits
            # One confined child serves a whole submission (a fresh one after any call that ended
            # its child): on an accelerator, at most one CUDA/MPS context per submission; on the
            # CPU, one fork instead of one per chapter (each ~30 ms of CPU).  Every call starts
            # from the same reset state whichever child serves it.
            self.sandbox.session_scope = "submission"
            if wait:
                self.sandbox.ready()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        if self.sandbox is not None and self._own_sandbox:
            self.sandbox.close()
            self.sandbox = None
        self.device = None
        if self._threads:                # a notebook's kernel gets its own thread count back
            import torch

            torch.set_num_threads(self._threads)
            self._threads = 0

    @property
    def info(self) -> dict:
        return (self.sandbox.info or {}) if self.sandbox is not None else {}

    # ------------------------------------------------------------------ grading
    def grade(self, submission: Path, *, name: str | None = None, select: str | None = SESSION) -> SubmissionResult:
        out: list[SubmissionResult] = []
        self.grade_many([Submission(Path(submission), name, select=select)], lambda _sub, result: out.append(result))
        return out[0]

    def grade_many(self, submissions: Iterable[Submission],
                   on_result: Callable[[Submission, SubmissionResult], None]) -> None:
        """Grade each submission as it comes (``submissions`` may be a generator that waits for
        work); ``on_result`` gets every result, in order, before the next one is staged."""
        from .grading.plugin import GradingPlugin, pytest_args

        self.start()
        assert self.device is not None                  # start() resolved it
        pending: dict[int, tuple[Submission, float, int]] = {}
        jobs = self._jobs(submissions, pending, on_result)
        plugin = GradingPlugin(sandbox=self.sandbox, solutions_dir=self.course.solutions_dir, lang=self.lang,
                               device=self.device, jobs=jobs)
        files = [self.course.graders_dir / f"test_{c}.py" for c in self.chapters
                 if (self.course.graders_dir / f"test_{c}.py").is_file()]
        self._plugin = plugin
        if self.warm:
            _warm_up_trusted()
        if files:
            run_pytest(pytest_args(files, self.course.graders_dir), plugin)
        else:
            for _job in jobs:        # no grader at all: every stub is filed as a grader error
                pass
        for sub, _started, _generation in list(pending.values()):   # pytest stopped early: say so
            on_result(sub, self._failed(sub, "grading stopped before this submission's checks ran: "
                                        + "; ".join(plugin.collect_errors)[:1500]))

    def _jobs(self, submissions: Iterable[Submission], pending: dict,
              on_result: Callable[[Submission, SubmissionResult], None]) -> Iterator:
        from .grading.plugin import Job
        from .submission import stage

        chapter_ids = [c.id for c in self.course.chapters]
        limit = float(self.course.limits.submission_seconds)
        for sub in submissions:
            started = time.monotonic()
            try:
                stage_dir = self.sandbox.stage_dir()
                staged = stage(sub.path, stage_dir, chapter_ids, self.lang,
                               stubs_by_chapter={c.id: set(c.stubs) for c in self.course.chapters})
            except Exception as exc:           # staging itself broke: an honest zero that says so
                on_result(sub, self._failed(sub, _describe(exc)))
                continue
            chapters, stubs = (self.chapters, self.stubs) if sub.select == SESSION else self.selection(sub.select)
            visible_only = self.visible_only if sub.visible_only is None else sub.visible_only
            job = Job(staged.files, chapters, stubs, visible_only, limit)
            pending[id(job)] = (sub, started, self.sandbox.generation)
            self.sandbox.memory_peak = 0

            def done(job: Job, sub=sub, staged=staged, stage_dir=stage_dir, started=started) -> None:
                _sub, _s, generation = pending.pop(id(job))
                self.sandbox.end_session()
                remove_tree(stage_dir)
                try:
                    result = self._result(sub, staged, job, started)
                    if generation != self.sandbox.generation:
                        result = self._failed(sub, "the sandbox stopped answering while grading this submission",
                                              broken=True)
                except Exception as exc:
                    result = self._failed(sub, _describe(exc))
                on_result(sub, result)

            job.done = done
            yield job

    def _result(self, sub: Submission, staged, job, started: float) -> SubmissionResult:
        from .grade import assemble
        from .messages import msg
        from .submission import display_name

        checks = assemble(self.course, job.records, lang=self.lang, chapters=job.chapters, stubs=job.stubs,
                          visible_only=job.visible_only)
        info = self.info
        notes = list(staged.note_msgs)
        if info and not info.get("isolated"):
            notes.append(msg("sandbox isolation reduced: {reason}", reason=str(info.get("reason", ""))))
        elif info and not info.get("cgroup"):
            notes.append(msg("sandbox isolation reduced: no memory cgroup ({reason})",
                             reason=str(info.get("cgroup_reason", ""))))
        return SubmissionResult(
            submission=sub.name or display_name(sub.path), checks=checks, device=str(self.device), lang=self.lang,
            seconds=round(time.monotonic() - started, 3), notes=tuple(m.render(self.lang) for m in notes),
            note_msgs=tuple(notes),
            extra={"isolated": bool(info.get("isolated")), "torch": info.get("torch", ""),
                   "cgroup": bool(info.get("cgroup")), "memory_peak_mb": round(self.sandbox.memory_peak / 2**20, 1),
                   "grader_errors": [r.nodeid + ": " + r.staff for r in job.records.values() if r.staff][:20]
                   + self._plugin.collect_errors[:5]},
        )

    def _failed(self, sub: Submission, error: str, *, broken: bool = False) -> SubmissionResult:
        from .grade import failed_result
        from .submission import display_name

        result = failed_result(self.course, sub.name or display_name(sub.path), error, lang=self.lang,
                               device=str(self.device), select=self.select if sub.select == SESSION else sub.select)
        if broken:
            result.extra["broken"] = True
        return result


def run_pytest(args: list[str], plugin) -> int:
    """pytest over the graders in this process, with nothing of it printed and no plugin of the
    environment loaded (the one place the engine runs pytest)."""
    import pytest

    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        return int(pytest.main(args, plugins=[plugin]))


def _describe(exc: BaseException) -> str:
    tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return f"{type(exc).__name__}: {exc}\n{''.join(tb[-3:])}"


_warm = False


def _warm_up_trusted() -> None:
    """The first optimizer step in a process imports torch._dynamo (~2 s); graders that run a
    reference training loop should not pay it inside a check, so pay it once per process here."""
    global _warm
    if not _warm:
        import torch

        m = torch.nn.Linear(1, 1)
        torch.optim.SGD(m.parameters(), lr=0.1).step()
        _warm = True
