"""Grading many submissions in one run: a resumable state, worker processes, a progress bar.

    main process (this module; never imports torch)
      ├── RunState (state.py): DIR/.torchdrill-state.sqlite, one row per submission
      ├── Pool (pool.py): worker processes, each with one GradingSession for its whole life
      └── progress bar / one line per submission on stderr

The main process commits each result to the state first and writes DIR/<name>.json after (see
state.py for why that order is safe), and rebuilds DIR/gradebook.csv from the state at the end of
every run, interrupted or not.

A worker that dies (killed, out of memory, stuck past the submission's time) costs nothing but
its submission's attempt: the submission is retried once in a new worker, then recorded as a
failed result (score 0, "grader error, not your fault"), and every other submission goes on.
"""
from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .errors import GraderError, UsageError
from .pool import Pool, Task
from .safe_text import terminal
from .state import Row, RunState, run_options

if TYPE_CHECKING:
    from .course import Course

#: A run in which grading itself failed for some submission: the exception tree's code for "a
#: grader broke, not the student's fault" (their results are written, score 0, and say so).
EXIT_GRADING_FAILED = GraderError.exit_code
EXIT_INTERRUPTED = 130


# =========================================================================== the main process

class _Reporter:
    """A rich progress bar on a terminal, else one line per finished submission (stderr)."""

    def __init__(self, total: int, bar: bool):
        from rich.console import Console

        self.total, self.done = total, 0
        self.console = Console(stderr=True, highlight=False)
        self.bar = None
        if bar and total:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                TextColumn("eta"), TimeRemainingColumn(),
                                TextColumn("{task.fields[current]}", markup=False), console=self.console)
            self.task = self.bar.add_task("grading", total=total, current="starting workers…")
            self.bar.start()

    def current(self, names: list[str]) -> None:
        if self.bar is not None:
            shown = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
            self.bar.update(self.task, current=shown)

    def finished(self, name: str, result: dict[str, Any], error: bool) -> None:
        self.done += 1
        from .results import SubmissionResult

        r = SubmissionResult.from_dict(result)
        line = f"[{self.done}/{self.total}] {name}: {r.score:g}/{r.max_score:g} ({r.seconds:.1f} s)"
        if error:
            line += f"  GRADING FAILED: {r.error.splitlines()[0] if r.error else ''}"
        line = terminal(line)       # names and errors come from submissions: no control sequence gets out
        if self.bar is not None:
            self.bar.advance(self.task)
            if error:
                self.console.print(line, markup=False)
        else:
            self.console.print(line, markup=False, soft_wrap=True)

    def note(self, text: str) -> None:
        self.console.print(terminal(text), markup=False, soft_wrap=True)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


R = TypeVar("R", bound=_Reporter)


@dataclass
class Run(Generic[R]):
    """A run under way (:func:`begin_run`): its state, the stubs graded, every submission's row,
    the rows left to grade and the reporter made for them."""
    state: RunState
    out: Path
    stubs: list[str]
    rows: list[Row]
    todo: list[Row]
    reporter: R


@contextmanager
def begin_run(submissions: list[Path], out: Path, course: Course, *, lang: str, device: str, only: str | None,
              restart: bool, reporter: Callable[[int], R]) -> Iterator[Run[R]]:
    """The start of every run, local or on a cluster: DIR's state opened (wiped first with
    ``restart``) and its options checked, the submissions registered, files repaired from the
    state, a reporter made for the ``todo`` rows, and what is already done said.  On leaving, the
    reporter stops and the state is closed, whatever happened."""
    out = Path(out)
    if restart:
        RunState.wipe(out)
    state = RunState.open(out)
    made = None
    try:
        stubs = course.qualnames(only)
        state.check_options(run_options(course, only=only, device=device, lang=lang), str(out))
        rows, notes = state.register(list(submissions))
        todo = [r for r in rows if r.status != "done"]
        _sync_outputs(state, out)
        made = reporter(len(todo))
        for n in notes:
            made.note(f"torchdrill: {n}")
        if len(todo) < len(rows):
            made.note(f"torchdrill: {len(rows) - len(todo)} of {len(rows)} submissions already graded in {out}; "
                      f"{'grading the other ' + str(len(todo)) if todo else 'nothing left to grade'}")
        yield Run(state, out, stubs, rows, todo, made)
    finally:
        if made is not None:
            made.stop()
        state.close()


def grade_batch(submissions: list[Path], out: Path, course: Course, *, lang: str, device: str,
                jobs: int | None = None, only: str | None = None, progress: bool = True, restart: bool = False) -> int:
    """Grade ``submissions`` into ``out``; 0 when every one was graded, :data:`EXIT_GRADING_FAILED`
    when grading failed for some, :data:`EXIT_INTERRUPTED` when stopped (Ctrl-C)."""
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs {jobs}: give a number of workers of at least 1")
    bar = progress and sys.stderr.isatty()
    with begin_run(submissions, out, course, lang=lang, device=device, only=only, restart=restart,
                   reporter=lambda total: _Reporter(total, bar)) as run:
        interrupted = False
        if run.todo:
            todo = [Task(r.name, r.path, r.name, r.fingerprint) for r in run.todo]
            n_jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
            try:
                _run(todo, n_jobs, run.state, run.out, course, lang=lang, device=device, only=only,
                     reporter=run.reporter)
            except KeyboardInterrupt:
                interrupted = True
        return finish_run(run.state, run.out, run.stubs, run.rows, run.reporter, interrupted=interrupted)


def finish_run(state: RunState, out: Path, stubs: list[str], rows: list[Row], reporter: _Reporter, *,
               interrupted: bool, where: str = "") -> int:
    """The end of every run, local or on a cluster: files repaired from the state, the gradebook,
    what happened said plainly, and the exit status (0, :data:`EXIT_INTERRUPTED`,
    :data:`EXIT_GRADING_FAILED`)."""
    reporter.stop()
    _sync_outputs(state, out)
    _write_gradebook(state, out, stubs)
    mine = {r.name for r in rows}
    final = {r.name: r for r in state.rows() if r.name in mine}
    failed = sorted(r.name for r in final.values() if r.status == "done" and r.error)
    pending = sorted(r.name for r in final.values() if r.status != "done")
    if interrupted:
        reporter.note(f"torchdrill: interrupted; {len(rows) - len(pending)} of {len(rows)} submissions are graded "
                      f"and kept in {out}. Run the same command again to grade the other {len(pending)}:\n"
                      f"  {_command_line()}")
        return EXIT_INTERRUPTED
    graded = len(rows) - len(failed) - len(pending)
    reporter.note(f"torchdrill: graded {graded} of {len(rows)} submissions into {out}{where} "
                  f"(gradebook: {out / 'gradebook.csv'})")
    if failed:
        reporter.note(f"torchdrill: grading failed for {len(failed)} submission{'s' if len(failed) != 1 else ''} "
                      f"({', '.join(failed[:10])}{', …' if len(failed) > 10 else ''}); their results score 0 "
                      "and say so. Run the same command again to retry them; if it keeps failing, tell staff.")
        return EXIT_GRADING_FAILED
    return 0


def _command_line() -> str:
    """The command to resume with: this one, without --restart (that would throw the work away)."""
    argv = [a for a in sys.argv if a != "--restart"]
    if argv and os.path.basename(argv[0]) in ("__main__.py", "-m"):
        argv[0:1] = [sys.executable, "-m", "torchdrill"]
    return shlex.join(argv)


def _sync_outputs(state: RunState, out: Path) -> None:
    """Make DIR/<name>.json match the state for every done row (repairs a kill between the commit
    and the file write; a reader never sees half a file)."""
    import json

    from .render.gradescope import results_json, write_results
    from .results import SubmissionResult

    for name, result, _error in state.done_results():
        r = SubmissionResult.from_dict(result)
        path = out / f"{name}.json"
        try:
            if json.loads(path.read_text(encoding="utf-8")) == results_json(r):
                continue
        except (OSError, ValueError):
            pass
        write_results(r, path)


def _write_gradebook(state: RunState, out: Path, stubs: list[str]) -> None:
    from .render.gradebook import write_gradebook
    from .results import SubmissionResult

    write_gradebook([SubmissionResult.from_dict(r) for _n, r, _e in state.done_results()], stubs,
                    out / "gradebook.csv")


def _run(todo: list[Task], n_jobs: int, state: RunState, out: Path, course: Course, *, lang: str, device: str,
         only: str | None, reporter: _Reporter) -> None:
    from .render.gradescope import write_results
    from .results import SubmissionResult

    def record(task: Task, result: dict[str, Any], error: bool) -> None:
        if state.finish(task.key, task.fingerprint, result, error=error):
            # the state just committed is the durable copy: no fsync for the file (see state.py)
            write_results(SubmissionResult.from_dict(result), out / f"{task.name}.json", durable=False)
            reporter.finished(task.name, result, error)

    def give_up(task: Task) -> None:
        from .grade import failed_result

        why = "; then ".join(task.reasons)
        times = "once" if task.attempts == 1 else f"{task.attempts} times"
        r = failed_result(course, task.name, f"the grading worker failed {times} on this submission ({why})",
                          lang=lang, device=pool.resolved, select=only)
        record(task, r.to_dict(), True)

    pool = Pool(n_jobs, course, lang=lang, device=device, only=only, record=record, give_up=give_up,
                current=reporter.current)
    pool.run(todo)
