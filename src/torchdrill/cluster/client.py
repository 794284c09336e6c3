"""The client side of ``torchdrill grade SUB… --out DIR --cluster ADDRESS``.

    this process (the client; never imports torch)
      ├── RunState (state.py): DIR/.torchdrill-state.sqlite — the one durable record, as locally
      ├── a Dask client of ADDRESS (tcp://host:port), or of a LocalCluster for local:N
      │     └── SessionPlugin registered once: the course travels inside it to every worker
      └── a window of tasks: one per submission, its files as bytes, keyed by
          (course fingerprint, submission fingerprint, name, attempt)

Each result is committed to the state as it arrives, then written to DIR/<name>.json, exactly as
a local batch does; a result for a row already done (a retried task that finished twice) is
refused by the state and counts nothing.  Only ``--jobs`` tasks (default: twice the cluster's
threads) are in flight, so the client's memory stays flat however large the class.

Failures: a worker that dies mid-task has its task rerouted by the scheduler; a task whose
workers died ``allowed-failures`` times (KilledWorker) is recorded as a grader error for that
submission alone ("infrastructure, not the student's fault").  A task whose sandbox restarted
mid-submission, or whose worker had no working session, is submitted again (a fresh key) up to
ATTEMPTS times.  Ctrl-C cancels what is in flight; what was committed stays, and the same command
resumes.
"""
from __future__ import annotations

import collections
import hashlib
import logging
import signal
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..batch import begin_run, finish_run
from ..errors import SandboxError, UsageError
from ..pool import _main_thread, _term_as_interrupt
from ..state import RunState
from .bundle import course_bundle, submission_bundle
from .progress import ClusterReporter

if TYPE_CHECKING:
    from ..course import Course

ATTEMPTS = 3               # submissions of one task (a broken sandbox, a worker without a session)
ALLOWED_FAILURES = 1       # local:N: worker deaths a task may cause before the scheduler gives it up
KILLED_ROUNDS = 2          # ... and how many times the client submits it again after that
CONNECT_SECONDS = 30
FETCH_SECONDS = 60         # fetching one finished result from its worker
FETCH_TRIES = 3


@dataclass
class _Task:
    name: str
    path: str
    fingerprint: str
    attempts: int = 0
    killed: int = 0            # KilledWorker rounds
    reasons: list[str] = field(default_factory=list)


def grade_on_cluster(submissions: list[Path], out: Path, course: Course, *, address: str, lang: str, device: str,
                     jobs: int | None = None, only: str | None = None, progress: bool = True,
                     restart: bool = False, _noop: bool = False) -> int:
    """Grade ``submissions`` into ``out`` on a Dask cluster; the exit status of :func:`batch.finish_run`
    (0, ``EXIT_GRADING_FAILED`` when grading failed for some, ``EXIT_INTERRUPTED``)."""
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs {jobs}: give a number of concurrent tasks of at least 1")
    bar = progress and sys.stderr.isatty()
    with begin_run(submissions, out, course, lang=lang, device=device, only=only, restart=restart,
                   reporter=lambda total: ClusterReporter(total, bar)) as run:
        reporter = run.reporter
        interrupted = False
        if run.todo:
            todo = [_Task(r.name, r.path, r.fingerprint) for r in run.todo]
            old_term = signal.signal(signal.SIGTERM, _term_as_interrupt) if _main_thread() else None
            try:
                with _connect(address, device) as client:
                    _Run(client, todo, run.state, run.out, course, lang=lang, device=device, only=only, jobs=jobs,
                         reporter=reporter, noop=_noop).run()
            except KeyboardInterrupt:
                interrupted = True
            finally:
                if old_term is not None:
                    signal.signal(signal.SIGTERM, old_term)
        if not interrupted:
            for address_, (count, rate) in sorted(reporter.rates().items()):
                reporter.note(f"torchdrill: worker {address_}: {count} graded, {rate:.2f}/s")
        return finish_run(run.state, run.out, run.stubs, run.rows, reporter, interrupted=interrupted,
                          where=f" on {address}")


@contextmanager
def _connect(address: str, device: str):
    """A Dask client of ``tcp://host:port`` (any scheme Dask knows), or of a new ``local:N`` cluster."""
    import dask
    from distributed import Client, LocalCluster

    # local:N: a 1-thread worker holds one task at a time (worker-saturation 1.0), so a worker's death
    # blames no task but the one it was grading
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
                          "distributed.scheduler.worker-saturation": 1.0}):
        if address.startswith("local:"):
            try:
                n = int(address.split(":", 1)[1])
            except ValueError:
                n = 0
            if n < 1:
                raise UsageError(f"--cluster {address}: write local:N with N workers of at least 1")
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                                   silence_logs=logging.ERROR, resources={"GPU": 1} if device == "cuda" else None)
            try:
                with Client(cluster) as client:
                    yield client
            finally:
                cluster.close()
            return
        if "://" not in address:
            raise UsageError(f"--cluster {address}: give a scheduler address (tcp://host:8786) or local:N")
        try:
            client = Client(address, timeout=CONNECT_SECONDS)
        except OSError as exc:
            raise UsageError(f"--cluster {address}: cannot reach the scheduler ({exc}); start it with "
                             "`dask scheduler` and check the address") from None
        try:
            yield client
        finally:
            client.close()


class _Run:
    def __init__(self, client, todo: list[_Task], state: RunState, out: Path, course, *, lang: str, device: str,
                 only: str | None, jobs: int | None, reporter: ClusterReporter, noop: bool):
        from .worker import SessionPlugin, grade_task, noop_task

        self.client, self.state, self.out, self.course = client, state, out, course
        self.lang, self.device, self.only, self.jobs, self.reporter = lang, device, only, jobs, reporter
        self.queue = collections.deque(todo)
        self.noop = noop
        self.fn = noop_task if noop else grade_task
        self.resources = {"GPU": 1} if device == "cuda" else None
        self.resolved = device                 # the device the workers resolved "auto" to
        self.successes = 0
        self.unavailable = 0
        self._asked, self._threads = float("-inf"), 0
        if noop:
            self.bundle_fp, self.plugin = "noop", None
            self.plugin_name = "torchdrill-noop"
        else:
            bundle = course_bundle(course)
            self.bundle_fp = bundle.fingerprint
            options = hashlib.sha256(repr((lang, device, only)).encode()).hexdigest()[:8]
            self.plugin_name = f"torchdrill-{bundle.fingerprint[:16]}-{options}"
            self.plugin = SessionPlugin(bundle, lang=lang, device=device, only=only, name=self.plugin_name)

    # ------------------------------------------------------------------ the loop
    def run(self) -> None:
        from distributed import as_completed

        self.reporter.current(["starting the workers' sessions…"])
        if not self.client.scheduler_info().get("workers"):
            self.reporter.note("torchdrill: no worker is connected to the scheduler yet; the tasks wait for "
                               "`dask worker ADDRESS` processes")
        if self.plugin is not None:
            self.client.register_plugin(self.plugin, name=self.plugin_name)
        running: dict = {}
        # Results are fetched by outcome(), not by as_completed(with_results=True): when the worker
        # holding a finished result dies before the client has it, Dask computes the task again, and
        # if that fails, with_results' fetch raises inside as_completed and the future is never
        # yielded (the run waited for it forever; dask/distributed#7331).
        ac = as_completed(raise_errors=False)
        fetch_failures: collections.Counter = collections.Counter()
        try:
            while self.queue or running:
                while self.queue and len(running) < self._window():
                    task = self.queue.popleft()
                    fut = self._submit(task)
                    running[fut.key] = (fut, task)
                    ac.add(fut)
                if not running:
                    break
                for fut in ac.next_batch(block=True):
                    done = outcome(fut, fetch_failures)
                    if done is None:                 # lost on the way: watched again until it settles
                        ac.add(fut)
                        continue
                    _fut, task = running.pop(fut.key)
                    self._settle(task, *done)
                    fut.release()
            self.reporter.show()                      # every worker's final count on the bar
        except BaseException:
            if running:
                try:
                    self.client.cancel([f for f, _t in running.values()], force=True)
                except Exception:
                    pass
            raise
        finally:
            ac.clear()
            if self.plugin is not None:
                try:
                    self.client.unregister_worker_plugin(self.plugin_name)   # workers close their sessions
                except Exception:
                    pass

    def _window(self) -> int:
        """Tasks in flight: --jobs, else twice the cluster's threads (asked at most every 2 s)."""
        if self.jobs:
            return self.jobs
        now = time.monotonic()
        if now - self._asked >= 2.0:
            self._asked = now
            self._threads = sum(self.client.nthreads().values())
        return max(2, 2 * self._threads)

    def _submit(self, task: _Task):
        bundle = submission_bundle(Path(task.path))
        name_hash = hashlib.sha256(task.name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
        key = (f"torchdrill-grade-{self.bundle_fp[:12]}-{task.fingerprint[:16]}-{name_hash}"
               f"-{task.attempts}-{task.killed}")
        return self.client.submit(self.fn, self.plugin_name, task.name, bundle, key=key, pure=False,
                                   resources=self.resources, retries=0)

    def _settle(self, task: _Task, status: str, value) -> None:
        from distributed.scheduler import KilledWorker

        from .worker import SessionUnavailable

        if status == "finished" and isinstance(value, dict) and "result" in value:
            self.successes += 1
            self.resolved = value["result"].get("device", self.resolved)
            self._record(task, value["result"], value["error"])
            self.reporter.graded_by(value["worker"])
            return
        if status == "finished" and isinstance(value, dict):   # the sandbox restarted mid-submission
            reason = f"the sandbox restarted while grading it ({value['broken']})"
        elif isinstance(value, KilledWorker):
            # The scheduler blames every task a dying worker held, so an innocent neighbour of a
            # submission that kills workers can be blamed too: one more round, under a fresh key,
            # before a submission is given up.
            task.killed += 1
            task.reasons.append("its workers died")
            if task.killed < KILLED_ROUNDS:
                self.queue.appendleft(task)
                return
            self._give_up(task, "infrastructure, not the student's fault: the grading workers died every time "
                                f"they took this submission ({task.killed} rounds of the scheduler's "
                                "allowed-failures); the rest of the batch went on")
            return
        elif isinstance(value, SessionUnavailable):
            self.unavailable += 1
            if not self.successes and self.unavailable >= max(2, len(self.client.scheduler_info().get("workers", {}))):
                raise SandboxError(f"the cluster's workers could not start their grading sessions: {value}; run "
                                   "`torchdrill grade SUBMISSION --json FILE` on a worker's host to see why")
            reason = f"its worker had no grading session ({value})"
        else:
            reason = f"{type(value).__name__}: {value}" if isinstance(value, BaseException) else f"task {status}"
        task.attempts += 1
        task.reasons.append(reason)
        if task.attempts >= ATTEMPTS:
            self._give_up(task, f"infrastructure, not the student's fault: grading failed {task.attempts} times "
                                f"({'; then '.join(task.reasons)})")
        else:
            self.queue.appendleft(task)

    def _record(self, task: _Task, result: dict, error: bool) -> None:
        from ..render.gradescope import write_results
        from ..results import SubmissionResult

        if self.state.finish(task.name, task.fingerprint, result, error=error):
            write_results(SubmissionResult.from_dict(result), self.out / f"{task.name}.json", durable=False)
            self.reporter.finished(task.name, result, error)

    def _give_up(self, task: _Task, why: str) -> None:
        from ..grade import failed_result

        r = failed_result(self.course, task.name, why, lang=self.lang, device=self.resolved, select=self.only)
        self._record(task, r.to_dict(), True)


def outcome(fut, failures: collections.Counter) -> tuple[str, object] | None:
    """A completed future's status and its result (or its exception); None while its result is not
    to be had yet: the worker holding it died before the client fetched it, and the scheduler is
    computing it again (the future is pending until that settles).  A result that cannot be
    fetched FETCH_TRIES times is an error of its own."""
    if fut.status == "finished":
        try:
            return "finished", fut.result(timeout=FETCH_SECONDS)
        except Exception as exc:
            failures[fut.key] += 1
            if fut.status == "finished" and failures[fut.key] >= FETCH_TRIES:
                return "error", exc
    if fut.status == "error":
        return "error", fut.exception(timeout=FETCH_SECONDS)
    if fut.status == "cancelled":
        return "cancelled", None
    return None


__all__ = ["grade_on_cluster", "outcome"]
