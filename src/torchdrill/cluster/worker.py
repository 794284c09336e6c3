"""The worker side: a Dask worker plugin holding one warm grading session, and the task.

``dask worker ADDRESS`` processes need torch and torchdrill installed, nothing else.  The
client registers :class:`SessionPlugin` with the course inside it; its ``setup`` unpacks the
course into the worker's temporary folder (once per course fingerprint) and starts a
:class:`~torchdrill.session.GradingSession` there — the sandbox's zygote is a process of its own,
started with subprocess, never a fork of the threaded worker.  A thread of the plugin runs the
session's ``grade_many`` over a queue, so pytest collects the graders once per worker, as in a
local batch; tasks (:func:`grade_task`) hand it a submission's bytes and wait for its result.
``teardown`` (the worker closing, or the client unregistering the plugin) closes the session.

Solutions and graders stay in the worker process and the course folder (mode 0700); the
session's sandbox hides them from the child that runs student code.
"""
from __future__ import annotations

import asyncio
import os
import queue
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from distributed import WorkerPlugin, get_worker

from ..pool import _maybe_die
from .bundle import CourseBundle, unpack_submission

if TYPE_CHECKING:
    from ..results import SubmissionResult
    from ..session import GradingSession

    _Job = tuple[Path, str, "_Pending"] | None       # a submission to grade, or None: stop

_WAIT_STEP = 1.0
STARTUP_SECONDS = 300


class SessionUnavailable(RuntimeError):
    """This worker has no working grading session (it could not start, or it stopped)."""


class _Pending:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: SubmissionResult | None = None


class SessionPlugin(WorkerPlugin):
    """One grading session per worker for one run's course and options."""

    def __init__(self, bundle: CourseBundle, *, lang: str, device: str, only: str | None, name: str):
        self.bundle, self.lang, self.device, self.only = bundle, lang, device, only
        self.name = name               # Dask keeps one plugin per name on a worker
        self._reset()

    def _reset(self) -> None:
        self.session: GradingSession | None = None
        self.error: str | None = None
        self.course_dir: Path | None = None
        self._queue: queue.Queue[_Job] | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._ready = threading.Event()        # setup finished, with a session or with an error

    def __getstate__(self) -> dict[str, Any]:
        return {"bundle": self.bundle, "lang": self.lang, "device": self.device, "only": self.only,
                "name": self.name}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._reset()

    # ------------------------------------------------------------------ lifecycle
    async def setup(self, worker) -> None:
        gpu = (worker.state.total_resources or {}).get("GPU", 0)
        if self.device == "cuda" and not gpu:
            self.error = "this worker offers no GPU resource"   # cuda tasks are never routed here
            self._ready.set()
            return
        await asyncio.get_running_loop().run_in_executor(None, self._start, worker.local_directory)

    def _start(self, local_directory: str | None) -> None:
        from ..course import load_course
        from ..session import GradingSession

        try:
            self.course_dir = self.bundle.unpack(Path(local_directory or tempfile.gettempdir()))
            course = load_course(self.course_dir)
            session = GradingSession(course, lang=self.lang, device=self.device, select=self.only)
            session.start()
        except Exception as exc:               # the tasks say why; the client decides what to do
            self.error = f"{type(exc).__name__}: {exc}"
            self._ready.set()
            return
        self.session = session
        self._queue = queue.Queue()
        self._thread = threading.Thread(target=self._serve, name="torchdrill-grading", daemon=True)
        self._thread.start()
        self._ready.set()

    def _serve(self) -> None:
        from ..session import Submission

        assert self.session is not None and self._queue is not None     # _start made both before this thread
        session, jobs_queue = self.session, self._queue

        def jobs() -> Iterator[Submission]:
            while True:
                item = jobs_queue.get()
                if item is None:
                    return
                path, name, pending = item
                yield Submission(path, name, key=pending)

        def done(sub, result) -> None:
            sub.key.result = result
            sub.key.done.set()

        try:
            session.grade_many(jobs(), done)
        except BaseException as exc:          # the session broke: this worker grades no more
            self.error = f"the grading session stopped: {type(exc).__name__}: {exc}"

    def teardown(self, worker) -> None:
        if self._queue is not None:
            self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self.session is not None:
            self.session.close()
        self.session = None

    # ------------------------------------------------------------------ grading
    def grade(self, bundle, name: str):
        """Grade one submission's bytes; a SubmissionResult (never raises for what it does)."""
        self._ready.wait(STARTUP_SECONDS)      # a task can reach a worker still warming up
        with self._lock:                       # one sandbox: one submission at a time
            if self.session is None or self._queue is None or self._thread is None or not self._thread.is_alive():
                raise SessionUnavailable(self.error or "the grading session is not running")
            with tempfile.TemporaryDirectory(prefix="torchdrill-sub-") as tmp:
                path = unpack_submission(bundle, Path(tmp))
                pending = _Pending()
                self._queue.put((path, name, pending))
                while not pending.done.wait(_WAIT_STEP):
                    if not self._thread.is_alive():
                        raise SessionUnavailable(self.error or "the grading session stopped")
            return pending.result


def grade_task(plugin_name: str, name: str, bundle) -> dict:
    """A Dask task: grade one submission on this worker.  Returns what the client commits."""
    worker = get_worker()
    plugin = cast("SessionPlugin | None", worker.plugins.get(plugin_name))
    if plugin is None:
        raise SessionUnavailable("the run's worker plugin is not on this worker")
    _maybe_die(name)
    started = time.monotonic()
    result = plugin.grade(bundle, name)
    out = {"worker": worker.address, "pid": os.getpid(), "seconds": round(time.monotonic() - started, 3)}
    if result.extra.get("broken"):
        # the sandbox restarted mid-submission: later checks ran without their child, so the
        # result cannot be trusted; the client grades it again
        return {**out, "broken": (result.error or "the sandbox restarted").splitlines()[0]}
    return {**out, "result": result.to_dict(), "error": bool(result.error)}


def noop_task(plugin_name: str, name: str, bundle) -> dict:
    """Benchmark only (benchmarks/bench_cluster.py --noop): a result without grading, to measure
    what the client, the run state and the progress display cost per submission."""
    from ..results import SubmissionResult

    worker = get_worker()
    result = SubmissionResult(submission=name, checks=(), device="cpu", lang="en", seconds=0.0)
    return {"worker": worker.address, "pid": os.getpid(), "seconds": 0.0, "result": result.to_dict(), "error": False}
