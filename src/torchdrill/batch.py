"""Grading many submissions in one run: worker processes, a progress bar, a resumable state.

    main process (this module; never imports torch)
      ├── RunState (state.py): DIR/.torchdrill-state.sqlite, one row per submission
      ├── worker 1 (spawned): imports torch once, holds ONE warm Sandbox for its whole life
      ├── worker 2 …            receives (key, path, name), answers SubmissionResult.to_dict()
      └── progress bar / one line per submission on stderr

Workers are started with the "spawn" context: never a plain fork of a process that may hold
threads.  The main process commits each result to the state first and writes DIR/<name>.json
after (see state.py for why that order is safe), and rebuilds DIR/gradebook.csv from the state
at the end of every run, interrupted or not.

A worker that dies (killed, out of memory, stuck past the submission's time) costs nothing but
its submission's attempt: the submission is retried once in a new worker, then recorded as a
failed result (score 0, "grader error, not your fault"), and every other submission goes on.
"""
from __future__ import annotations

import collections
import multiprocessing
import os
import shlex
import signal
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.connection import wait as wait_any
from pathlib import Path

from .errors import SandboxError, UsageError
from .safe_text import terminal
from .state import RunState, run_options

EXIT_GRADING_FAILED = 6
ATTEMPTS = 2                  # a submission whose worker dies is tried once more, then recorded as failed
STARTUP_SECONDS = 180         # a worker must have its sandbox warm by then
DEADLINE_GRACE = 120          # seconds past the course's submission_seconds before a worker is stopped
_TEST_KILL = "_TORCHDRILL_TEST_KILL_WORKER"   # tests only (see _maybe_die)


# =========================================================================== the worker

def _die_with_parent(parent_pid: int) -> None:
    """Linux: get SIGTERM when the main process dies, even by SIGKILL (no orphaned graders)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)      # PR_SET_PDEATHSIG
    except Exception:
        pass
    if os.getppid() != parent_pid:                  # the parent died before prctl took effect
        os._exit(1)


def _maybe_die(name: str) -> None:
    """Tests only: ``_TORCHDRILL_TEST_KILL_WORKER=NAME[@MARKER],…`` makes the worker SIGKILL itself
    on submission NAME (every time, or only while the file MARKER does not exist yet)."""
    for spec in filter(None, os.environ.get(_TEST_KILL, "").split(",")):
        target, _, marker = spec.partition("@")
        if target != name:
            continue
        if marker:
            try:
                os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                return                              # died once already: grade normally this time
        os.kill(os.getpid(), signal.SIGKILL)


def _worker(conn, course, lang: str, device: str, only: str | None, parent_pid: int) -> None:
    """One worker's life: one grading session (a warm sandbox, the graders collected once), then
    grade what the main process sends until None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C is the main process's to handle
    holder: dict = {}

    def on_term(signum, frame):
        session = holder.get("session")
        if session is not None:
            session.close()
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    _die_with_parent(parent_pid)
    try:
        from .session import GradingSession, Submission

        session = holder["session"] = GradingSession(course, lang=lang, device=device, select=only)
        session.start()
    except UsageError as exc:
        conn.send(("fatal", "usage", str(exc)))
        return
    except Exception as exc:
        conn.send(("fatal", "sandbox", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", str(session.device), str(session.sandbox.base)))

    def work():
        while True:
            try:
                msg = conn.recv()
            except EOFError:
                return
            if msg is None:
                return
            key, path, name = msg
            _maybe_die(name)
            yield Submission(Path(path), name, key)

    def send(sub, result) -> None:
        if result.extra.get("broken"):
            # The sandbox was restarted in the middle: later checks ran without their child's
            # state, so this result cannot be trusted.  The main process retries it.
            conn.send(("broken", sub.key, result.error.splitlines()[0], str(session.sandbox.base)))
        else:
            conn.send(("done", sub.key, result.to_dict(), bool(result.error)))

    try:
        session.grade_many(work(), send)
    finally:
        session.close()


# =========================================================================== the main process

@dataclass
class _Task:
    key: str
    path: str
    name: str
    fingerprint: str
    attempts: int = 0
    reasons: list[str] = field(default_factory=list)


@dataclass
class _Worker:
    proc: multiprocessing.Process
    conn: object
    started: float
    ready: bool = False
    base: str = ""
    task: _Task | None = None
    task_started: float = 0.0


class _Reporter:
    """A rich progress bar on a terminal, else one line per finished submission (stderr)."""

    def __init__(self, total: int, bar: bool):
        from rich.console import Console

        self.total, self.done = total, 0
        self.console = Console(stderr=True, highlight=False)
        self.bar = None
        if bar and total:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            self.bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                TextColumn("eta"), TimeRemainingColumn(), TextColumn("{task.fields[current]}", markup=False),
                                console=self.console)
            self.task = self.bar.add_task("grading", total=total, current="starting workers…")
            self.bar.start()

    def current(self, names: list[str]) -> None:
        if self.bar is not None:
            shown = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
            self.bar.update(self.task, current=shown)

    def finished(self, name: str, result: dict, error: bool) -> None:
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


def grade_batch(submissions: list[Path], out: Path, course, *, lang: str, device: str, jobs: int | None = None,
                only: str | None = None, progress: bool = True, restart: bool = False) -> int:
    """Grade ``submissions`` into ``out``; 0 when every one was graded, 6 when grading failed for some."""
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs {jobs}: give a number of workers of at least 1")
    out = Path(out)
    if restart:
        RunState.wipe(out)
    state = RunState.open(out)
    reporter = None
    try:
        stubs = [f"{c.id}.{s}" for c, ss in course.select(only) for s in ss]
        state.check_options(run_options(course, only=only, device=device, lang=lang), str(out))
        rows, notes = state.register(list(submissions))
        todo = [_Task(r.name, r.path, r.name, r.fingerprint) for r in rows if r.status != "done"]
        resumed = len(rows) - len(todo)
        _sync_outputs(state, out)
        reporter = _Reporter(len(todo), progress and sys.stderr.isatty())
        for n in notes:
            reporter.note(f"torchdrill: {n}")
        if resumed:
            reporter.note(f"torchdrill: {resumed} of {len(rows)} submissions already graded in {out}; "
                          f"{'grading the other ' + str(len(todo)) if todo else 'nothing left to grade'}")
        interrupted = False
        if todo:
            n_jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
            try:
                _run(todo, n_jobs, state, out, course, lang=lang, device=device, only=only, reporter=reporter)
            except KeyboardInterrupt:
                interrupted = True
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
            return 130
        graded = len(rows) - len(failed) - len(pending)
        reporter.note(f"torchdrill: graded {graded} of {len(rows)} submissions into {out} "
                      f"(gradebook: {out / 'gradebook.csv'})")
        if failed:
            reporter.note(f"torchdrill: grading failed for {len(failed)} submission{'s' if len(failed) != 1 else ''} "
                          f"({', '.join(failed[:10])}{', …' if len(failed) > 10 else ''}); their results score 0 "
                          "and say so. Run the same command again to retry them; if it keeps failing, tell staff.")
            return EXIT_GRADING_FAILED
        return 0
    finally:
        if reporter is not None:
            reporter.stop()
        state.close()


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


def _run(todo: list[_Task], n_jobs: int, state: RunState, out: Path, course, *, lang: str, device: str,
         only: str | None, reporter: _Reporter) -> None:
    from .render.gradescope import write_results
    from .results import SubmissionResult

    ctx = multiprocessing.get_context("spawn")
    queue = collections.deque(todo)
    workers: list[_Worker] = []
    ever_ready = False
    resolved = device                       # the device the workers resolved "auto" to
    startup_failures = 0
    deadline = float(course.limits.submission_seconds) + DEADLINE_GRACE
    old_term = signal.signal(signal.SIGTERM, _term_as_interrupt) if _main_thread() else None

    def spawn() -> None:
        parent, child = ctx.Pipe(duplex=True)
        p = ctx.Process(target=_worker, args=(child, course, lang, device, only, os.getpid()),
                        name="torchdrill-worker", daemon=True)
        p.start()
        child.close()
        workers.append(_Worker(p, parent, time.monotonic()))

    def record(task: _Task, result: dict, error: bool) -> None:
        if state.finish(task.key, task.fingerprint, result, error=error):
            write_results(SubmissionResult.from_dict(result), out / f"{task.name}.json")
            reporter.finished(task.name, result, error)

    def give_up(task: _Task) -> None:
        from .grade import failed_result

        why = "; then ".join(task.reasons)
        times = "once" if task.attempts == 1 else f"{task.attempts} times"
        r = failed_result(course, task.name, f"the grading worker failed {times} on this submission ({why})",
                          lang=lang, device=resolved, select=only)
        record(task, r.to_dict(), True)

    def lost(w: _Worker, reason: str, *, retry: bool = True) -> None:
        """A worker is gone (or must go): retry its submission once, else record it as failed."""
        nonlocal startup_failures
        workers.remove(w)
        _stop(w, kill=True)
        if not w.ready:
            startup_failures += 1
        task = w.task
        if task is not None:
            task.attempts += 1
            task.reasons.append(reason)
            if task.attempts >= ATTEMPTS or not retry:
                give_up(task)
            else:
                queue.appendleft(task)

    try:
        while queue or any(w.task for w in workers):
            if startup_failures >= (3 * n_jobs + 3 if ever_ready else max(2, n_jobs)):
                raise SandboxError("the grading workers could not start their sandboxes; run "
                                   "`torchdrill grade SUBMISSION --json FILE` on one submission to see why")
            busy = sum(1 for w in workers if w.task is not None)
            while len(workers) < min(n_jobs, busy + len(queue)):
                spawn()
            for w in workers:
                if w.ready and w.task is None and queue:
                    w.task, w.task_started = queue.popleft(), time.monotonic()
                    try:
                        w.conn.send((w.task.key, w.task.path, w.task.name))
                    except OSError:
                        pass                  # it just died: found below, and this counts as one attempt
            reporter.current([w.task.name for w in workers if w.task is not None])

            handles = [w.conn for w in workers] + [w.proc.sentinel for w in workers]
            wait_any(handles, timeout=1.0)
            now = time.monotonic()
            for w in list(workers):
                msg = None
                try:
                    if w.conn.poll():
                        msg = w.conn.recv()
                except (EOFError, OSError):
                    msg = None
                if msg is None:
                    if not w.proc.is_alive():
                        lost(w, _death(w.proc))
                    elif not w.ready and now - w.started > STARTUP_SECONDS:
                        lost(w, f"its sandbox did not start within {STARTUP_SECONDS} s")
                    elif w.task is not None and now - w.task_started > deadline:
                        # not retried: a submission that takes this long would most likely do it again
                        lost(w, f"grading took longer than {deadline:g} s", retry=False)
                    continue
                kind = msg[0]
                if kind == "ready":
                    w.ready, w.base = True, msg[2]
                    ever_ready, resolved = True, msg[1]
                elif kind == "fatal":
                    workers.remove(w)
                    _stop(w, kill=False)
                    if msg[1] == "usage":
                        raise UsageError(msg[2])
                    startup_failures += 1
                    if not ever_ready and startup_failures >= max(2, n_jobs):
                        raise SandboxError(f"the sandbox could not start: {msg[2]}")
                    if w.task is not None:
                        queue.appendleft(w.task)
                elif kind == "done":
                    task, w.task = w.task, None
                    if task is not None and task.key == msg[1]:
                        record(task, msg[2], bool(msg[3]))
                elif kind == "broken":
                    task, w.task = w.task, None
                    w.base = msg[3]
                    if task is not None:
                        task.attempts += 1
                        task.reasons.append(msg[2])
                        if task.attempts >= ATTEMPTS:
                            give_up(task)
                        else:
                            queue.appendleft(task)
        reporter.current([])
        for w in workers:                     # all done: let each worker close its sandbox itself
            try:
                w.conn.send(None)
            except OSError:
                pass
    finally:
        for w in workers:
            _stop(w, kill=bool(queue) or any(x.task for x in workers))
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _term_as_interrupt(signum, frame):
    raise KeyboardInterrupt


def _death(proc) -> str:
    proc.join(timeout=1)
    code = proc.exitcode
    if code is None:
        return "it stopped answering"
    if code < 0:
        try:
            return f"it was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"it was killed by signal {-code}"
    return f"it exited with status {code}"


def _stop(w: _Worker, *, kill: bool) -> None:
    """Ask a worker to end (SIGTERM closes its sandbox); SIGKILL it if it does not."""
    if w.proc.is_alive():
        if not kill:
            try:
                w.conn.send(None)
            except OSError:
                pass
            w.proc.join(timeout=10)
        if w.proc.is_alive():
            w.proc.terminate()
    w.proc.join(timeout=5)
    if w.proc.is_alive():
        w.proc.kill()
        w.proc.join(timeout=5)
    _reap(w)
    if w.base:                                         # a killed worker leaves its scratch folder behind
        from .fsutil import remove_tree

        remove_tree(w.base)


def _reap(w: _Worker) -> None:
    try:
        w.conn.close()
    except OSError:
        pass
