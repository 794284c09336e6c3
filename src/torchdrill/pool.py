"""Worker processes that grade submissions, each with one grading session for its whole life.

    main process (batch.py; this module never imports torch)
      ├── worker 1 (spawned): a GradingSession — one warm sandbox, the graders collected once
      ├── worker 2 …            gets a Task, answers Done or Broken
      └── Pool.run: hands out tasks, reads the workers' messages, watches their health

Workers are started with the "spawn" context: never a plain fork of a process that may hold
threads.  Messages are small typed records (:class:`Ready`, :class:`Fatal`, :class:`Done`,
:class:`Broken`).  One retry rule covers every way a worker can fail a task (it died, it hung past
the deadline, its sandbox restarted mid-submission): :meth:`Task.failed` says whether the task gets
another go; when it does not, the caller records an honest failed result.
"""
from __future__ import annotations

import collections
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_any
from multiprocessing.process import BaseProcess
from pathlib import Path

from .errors import SandboxError, UsageError

ATTEMPTS = 2                  # a task whose worker fails is tried once more, then recorded as failed
STARTUP_SECONDS = 180         # a worker must have its sandbox warm by then
DEADLINE_GRACE = 120          # seconds past the course's submission_seconds before a worker is stopped
_TEST_KILL = "_TORCHDRILL_TEST_KILL_WORKER"   # tests only (see _maybe_die)


# =========================================================================== messages

@dataclass
class Ready:
    device: str
    base: str


@dataclass
class Fatal:
    usage: bool               # the options were wrong (stop the run) or the sandbox could not start
    message: str


@dataclass
class Done:
    key: str
    result: dict
    error: bool


@dataclass
class Broken:
    key: str
    reason: str


@dataclass
class Task:
    key: str
    path: str
    name: str
    fingerprint: str
    attempts: int = 0
    reasons: list[str] = field(default_factory=list)

    def failed(self, reason: str, *, retry: bool = True) -> bool:
        """Count one failed attempt; True when the task should be tried again."""
        self.attempts += 1
        self.reasons.append(reason)
        return retry and self.attempts < ATTEMPTS


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
    """One worker's life: one grading session, then grade what the main process sends until None."""
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
        conn.send(Fatal(True, str(exc)))
        return
    except Exception as exc:
        conn.send(Fatal(False, f"{type(exc).__name__}: {exc}"))
        return
    conn.send(Ready(str(session.device), str(session.sandbox.base)))

    def work():
        while True:
            try:
                task = conn.recv()
            except EOFError:
                return
            if task is None:
                return
            _maybe_die(task.name)
            yield Submission(Path(task.path), task.name, task.key)

    def send(sub, result) -> None:
        if result.extra.get("broken"):
            # The sandbox was restarted in the middle: later checks ran without their child's
            # state, so this result cannot be trusted.  The main process retries it.
            conn.send(Broken(sub.key, result.error.splitlines()[0]))
        else:
            conn.send(Done(sub.key, result.to_dict(), bool(result.error)))

    try:
        session.grade_many(work(), send)
    finally:
        session.close()


# =========================================================================== the pool

@dataclass
class _Worker:
    proc: BaseProcess             # a SpawnProcess
    conn: Connection
    started: float
    ready: bool = False
    base: str = ""
    task: Task | None = None
    task_started: float = 0.0


class Pool:
    """Up to ``n_jobs`` workers; :meth:`run` grades every task, calling ``record(task, result,
    error)`` for each result and ``give_up(task)`` for a task no worker could finish."""

    def __init__(self, n_jobs: int, course, *, lang: str, device: str, only: str | None,
                 record: Callable[[Task, dict, bool], None], give_up: Callable[[Task], None],
                 current: Callable[[list[str]], None] = lambda names: None):
        self.n_jobs, self.course, self.lang, self.device, self.only = n_jobs, course, lang, device, only
        self.record, self.give_up, self.current = record, give_up, current
        self.ctx = multiprocessing.get_context("spawn")
        self.queue: collections.deque[Task] = collections.deque()
        self.workers: list[_Worker] = []
        self.ever_ready = False
        self.resolved = device            # the device the workers resolved "auto" to
        self.startup_failures = 0
        self.deadline = float(course.limits.submission_seconds) + DEADLINE_GRACE

    # ------------------------------------------------------------------ workers
    def _spawn(self) -> None:
        parent, child = self.ctx.Pipe(duplex=True)
        p = self.ctx.Process(target=_worker, args=(child, self.course, self.lang, self.device, self.only,
                                                   os.getpid()), name="torchdrill-worker", daemon=True)
        p.start()
        child.close()
        self.workers.append(_Worker(p, parent, time.monotonic()))

    def _lost(self, w: _Worker, reason: str, *, retry: bool = True) -> None:
        """A worker is gone (or must go): its task is retried or given up, by the one rule."""
        self.workers.remove(w)
        _stop(w, kill=True)
        if not w.ready:
            self.startup_failures += 1
        if w.task is not None:
            self._failed(w.task, reason, retry=retry)

    def _failed(self, task: Task, reason: str, *, retry: bool = True) -> None:
        if task.failed(reason, retry=retry):
            self.queue.appendleft(task)
        else:
            self.give_up(task)

    def _check_startup(self) -> None:
        limit = 3 * self.n_jobs + 3 if self.ever_ready else max(2, self.n_jobs)
        if self.startup_failures >= limit:
            raise SandboxError("the grading workers could not start their sandboxes; run "
                               "`torchdrill grade SUBMISSION --json FILE` on one submission to see why")

    # ------------------------------------------------------------------ the loop
    def run(self, tasks: list[Task]) -> None:
        self.queue.extend(tasks)
        old_term = signal.signal(signal.SIGTERM, _term_as_interrupt) if _main_thread() else None
        try:
            while self.queue or any(w.task for w in self.workers):
                self._check_startup()
                busy = sum(1 for w in self.workers if w.task is not None)
                while len(self.workers) < min(self.n_jobs, busy + len(self.queue)):
                    self._spawn()
                self._hand_out()
                self.current([w.task.name for w in self.workers if w.task is not None])
                wait_any([w.conn for w in self.workers] + [w.proc.sentinel for w in self.workers], timeout=1.0)
                for w in list(self.workers):
                    self._read(w, time.monotonic())
            self.current([])
            for w in self.workers:             # all done: let each worker close its session itself
                try:
                    w.conn.send(None)
                except OSError:
                    pass
        finally:
            unfinished = bool(self.queue) or any(x.task for x in self.workers)
            for w in self.workers:
                _stop(w, kill=unfinished)
            if old_term is not None:
                signal.signal(signal.SIGTERM, old_term)

    def _hand_out(self) -> None:
        for w in self.workers:
            if w.ready and w.task is None and self.queue:
                w.task, w.task_started = self.queue.popleft(), time.monotonic()
                try:
                    w.conn.send(w.task)
                except OSError:
                    pass                  # it just died: found by _read, and this counts as one attempt

    def _read(self, w: _Worker, now: float) -> None:
        msg = None
        try:
            if w.conn.poll():
                msg = w.conn.recv()
        except (EOFError, OSError):
            msg = None
        if msg is None:
            if not w.proc.is_alive():
                self._lost(w, _death(w.proc))
            elif not w.ready and now - w.started > STARTUP_SECONDS:
                self._lost(w, f"its sandbox did not start within {STARTUP_SECONDS} s")
            elif w.task is not None and now - w.task_started > self.deadline:
                # not retried: a submission that takes this long would most likely do it again
                self._lost(w, f"grading took longer than {self.deadline:g} s", retry=False)
            return
        if isinstance(msg, Ready):
            w.ready, w.base = True, msg.base
            self.ever_ready, self.resolved = True, msg.device
        elif isinstance(msg, Fatal):
            self.workers.remove(w)
            _stop(w, kill=False)
            if msg.usage:
                raise UsageError(msg.message)
            self.startup_failures += 1
            if not self.ever_ready and self.startup_failures >= max(2, self.n_jobs):
                raise SandboxError(f"the sandbox could not start: {msg.message}")
            if w.task is not None:
                self.queue.appendleft(w.task)
        elif isinstance(msg, (Done, Broken)):
            task, w.task = w.task, None
            if task is None or task.key != msg.key:
                return
            if isinstance(msg, Done):
                # The worker's next submission first: recording commits the state to disk, and
                # the worker would sit idle for it.
                self._hand_out()
                self.record(task, msg.result, msg.error)
            else:
                self._failed(task, msg.reason)


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
    """Ask a worker to end (SIGTERM closes its session); SIGKILL it if it does not."""
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
    try:
        w.conn.close()
    except OSError:
        pass
    if w.base:                                         # a killed worker leaves its scratch folder behind
        from .fsutil import remove_tree

        remove_tree(w.base)
