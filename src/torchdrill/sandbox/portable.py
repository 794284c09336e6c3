"""The portable sandbox: student code in a worker process, on Linux, macOS or Windows.

Same public interface as :class:`torchdrill.sandbox.client.Sandbox` (``start``/``ready``/``close``,
``stage_dir``, ``call`` → :class:`CallResult`, ``end_session``; ``info``, ``limits``,
``session_scope``, ``generation``, ``children_started``, ``memory_peak``) and the same result
channel: one worker per session runs :class:`torchdrill.sandbox.child.Session` (via
``sandbox/portable_worker.py``) and answers length-prefixed :mod:`codec` frames over its stdin and
stdout.  The verdict stays in this process.

What it is not: a confinement.  There is no jail, namespace, cgroup or uid of its own; the worker
can read and write what the student can.  What it enforces, from outside, on every platform:

* the wall clock and CPU time of each call (psutil, the worker and all its descendants), by
  killing the whole process tree;
* memory: the tree's resident memory above the worker's size at rest plus ``memory_mb`` is
  killed (polled), and where ``resource`` exists the worker also has ``RLIMIT_AS`` (on a CPU
  device; Linux enforces it, macOS does not);
* output: ``RLIMIT_FSIZE`` where it exists (a flood fails with "File too large", as in the
  full sandbox); elsewhere the output file is watched and the worker killed past ``file_mb``.

On Windows there is no job object here (no memory limit the kernel enforces): the polled
memory watch is all there is.  Chosen by ``torchdrill check --sandbox portable`` or by ``auto``
where the full sandbox cannot run (:func:`torchdrill.sandbox.select.full_available`).
"""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, NamedTuple, TypedDict

from ..fsutil import remove_tree
from . import codec, frames
from .base import SandboxBase
from .client import RESULT_CAP, CallResult, SandboxLimits, SandboxUnavailable
from .portable_worker import WorkerSpec

if TYPE_CHECKING:
    import psutil

POLL = 0.1                   # seconds between looks at a running call's CPU, memory and output
REASON = "portable sandbox: a separate process with time, CPU, memory and output limits; no confinement"


class _Got(NamedTuple):
    """What the reader thread saw: a frame (its bytes), one over the size limit, or the end."""

    kind: Literal["frame", "oversize", "eof"]
    data: bytes = b""


class _Ended(TypedDict, total=False):
    """How a killed worker ended: what it measured, and its exit code or the signal that ended it."""

    cpu: float
    mem_peak: int
    exit: int
    signal: int


class _Outcome(TypedDict):
    """The fields of a :class:`CallResult` for a call that returned no record."""

    exit: int | None
    signal: int | None
    wall: float
    cpu: float
    mem_peak: int


class _Worker:
    """One worker process: its Popen, a thread that reads its frames, what it measured."""

    def __init__(self, proc: subprocess.Popen[bytes], workdir: Path):
        assert proc.stdin is not None and proc.stdout is not None      # started with two pipes
        self.proc, self.workdir, self.key = proc, workdir, ""
        self.stdin: IO[bytes] = proc.stdin
        self.stdout: IO[bytes] = proc.stdout
        self.frames: queue.Queue[_Got] = queue.Queue()
        self.rest_rss = 0
        self.cpu = 0.0
        self.mem_peak = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        """Frames from the worker's stdout; then one over the size limit, or the end."""
        out = self.stdout
        try:
            while True:
                head = _read_exact(out, frames.LEN.size)
                if head is None:
                    break
                (n,) = frames.LEN.unpack(head)
                if n > RESULT_CAP:
                    self.frames.put(_Got("oversize"))
                    return
                data = _read_exact(out, n)
                if data is None:
                    break
                self.frames.put(_Got("frame", data))
        except (OSError, ValueError):
            pass
        self.frames.put(_Got("eof"))

    def next(self, deadline: float, poll: Callable[[], None] | None = None) -> _Got | None:
        """The next item from the reader, or None at the deadline; ``poll()`` may raise."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                return self.frames.get(timeout=min(left, POLL))
            except queue.Empty:
                if poll is not None:
                    poll()

    def send(self, data: bytes, deadline: float) -> None:
        """One frame to the worker, in a thread so a worker that stops reading cannot hang us."""
        failed: list[Exception] = []

        def write() -> None:
            try:
                self.stdin.write(frames.frame(data))
                self.stdin.flush()
            except (OSError, ValueError) as exc:
                failed.append(exc)

        t = threading.Thread(target=write, daemon=True)
        t.start()
        t.join(max(0.0, deadline - time.monotonic()))
        if t.is_alive() or failed:
            raise EOFError

    def tree(self) -> list[psutil.Process]:
        import psutil

        try:
            root = psutil.Process(self.proc.pid)
            return [root, *root.children(recursive=True)]
        except psutil.Error:
            return []

    def measure(self) -> tuple[float, int]:
        """CPU seconds (the tree's, children already reaped included) and resident bytes now."""
        import psutil

        cpu, rss = 0.0, 0
        for p in self.tree():
            try:
                t = p.cpu_times()
                cpu += t.user + t.system + getattr(t, "children_user", 0.0) + getattr(t, "children_system", 0.0)
                rss += p.memory_info().rss
            except psutil.Error:
                pass
        if cpu:
            self.cpu = max(self.cpu, cpu)
        self.mem_peak = max(self.mem_peak, rss)
        return self.cpu, rss

    def output_bytes(self) -> int:
        try:
            return (self.workdir / "output.txt").stat().st_size
        except OSError:
            return 0

    def kill(self) -> _Ended:
        """Kill the worker and every process it started; how it ended."""
        import psutil

        procs = self.tree()
        self.measure() if procs else None
        for p in procs:
            try:
                p.kill()
            except psutil.Error:
                pass
        if os.name == "posix":
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)      # a grandchild that left the tree, not the group
            except (ProcessLookupError, PermissionError, OSError):
                pass
        try:            # the worker is our child: Popen reaps it (psutil would take its status)
            rc = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            rc = None
        for stream in (self.stdin, self.stdout):
            try:
                stream.close()
            except (OSError, ValueError):
                pass
        psutil.wait_procs([p for p in procs if p.pid != self.proc.pid], timeout=5)
        remove_tree(self.workdir)
        out: _Ended = {"cpu": self.cpu, "mem_peak": self.mem_peak}
        if rc is not None and rc < 0:
            out["signal"] = -rc
        elif rc is not None:
            out["exit"] = rc
        return out


def _read_exact(stream: IO[bytes], n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        chunk = stream.read(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


class _Stop(Exception):
    def __init__(self, how: str):
        self.how = how


class PortableSandbox(SandboxBase):
    """Student code in unconfined worker processes. Use as a context manager."""

    kind = "portable"

    def __init__(self, limits: SandboxLimits | None = None, *, isolate: bool = True,
                 hide: list[str] | None = None, device: str = "cpu"):
        self.limits = limits or SandboxLimits()
        self.isolate = isolate                  # nothing to isolate with: kept for the interface
        self.hide = [str(h) for h in (hide or [])]
        self.device = device
        self.base: Path | None = None
        self.info: dict[str, Any] = {}          # the same record as the full sandbox's zygote hello
        self.session_scope = "chapter"
        self.generation = 0
        self.children_started = 0
        self.memory_peak = 0
        self.warm = True
        #: rlimits in the worker where the platform has them; off, only the watches from outside
        #: hold (what Windows gets: tests turn them off to exercise those)
        self.rlimits = True
        self._n = 0
        self._spare: _Worker | None = None
        self._child: _Worker | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start a spare worker (it imports torch while the caller does other work)."""
        if self.base is None:
            self.base = Path(tempfile.mkdtemp(prefix="torchdrill-"))
            (self.base / "work").mkdir()
        if self._spare is None and not self.info:
            self.generation += 1
            self._spare = self._launch()

    def _launch(self) -> _Worker:
        assert self.base is not None
        workdir = Path(tempfile.mkdtemp(prefix="child-", dir=self.base))
        env = {k: v for k, v in os.environ.items()
               if k in ("PATH", "LANG", "LC_ALL", "HOME", "USERPROFILE", "SYSTEMROOT", "TEMP", "TMP", "TMPDIR",
                        "CUDA_VISIBLE_DEVICES", "PYTORCH_ENABLE_MPS_FALLBACK")}
        env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0",
                   PYTHONIOENCODING="utf-8")
        extra = {"start_new_session": True} if os.name == "posix" else \
            {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}
        argv = [sys.executable, "-I", "-m", "torchdrill.sandbox.portable_worker"] + (["--warm"] if self.warm else [])
        proc = subprocess.Popen(argv,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env=env, cwd=str(workdir), **extra)
        return _Worker(proc, workdir)

    def ready(self, timeout: float = 120.0) -> dict[str, Any]:
        """Wait until a worker has imported torch; returns the hello (not isolated, torch version)."""
        if not self.info:
            self.start()
            spare = self._spare
            hello = self._hello(spare, timeout)
            if spare is None or hello is None:
                self.close()
                raise SandboxUnavailable("the sandbox process did not start (is torch installed for this Python?)")
            self.info = {"ready": True, "isolated": False, "reason": REASON, "backend": "portable",
                         "torch": str(hello.get("torch", "")), "pid": spare.proc.pid,
                         "cgroup": False, "cgroup_reason": "portable sandbox"}
        return self.info

    def _hello(self, worker: _Worker | None, timeout: float) -> dict[str, Any] | None:
        """The worker's hello (a ``portable_worker.Hello``, as decoded JSON) once it has one, else None."""
        if worker is None:
            return None
        if worker.rest_rss:
            return {"ready": True}
        got = worker.next(time.monotonic() + timeout)
        if not got or got.kind != "frame":
            return None
        try:
            hello = codec.decode(got.data, max_bytes=1 << 16)
        except Exception:
            return None
        if type(hello) is not dict or hello.get("ready") is not True:
            return None
        worker.rest_rss = max(1, worker.measure()[1])
        return hello

    def close(self) -> None:
        for w in (self._child, self._spare):
            if w is not None:
                w.kill()
        self._child = self._spare = None
        self.info = {}
        if self.base is not None:
            remove_tree(self.base)
            self.base = None

    # ------------------------------------------------------------------ staging
    def stage_dir(self) -> Path:
        """A fresh folder for one submission's files."""
        if self.base is None:
            self.start()
        self._n += 1
        d = self.work / f"sub-{self._n}"
        d.mkdir(mode=0o755)
        return d

    # ------------------------------------------------------------------ sessions
    def end_session(self) -> None:
        with self._lock:
            self._end_child()

    def _end_child(self) -> _Ended:
        ch, self._child = self._child, None
        if ch is None:
            return _Ended()
        ended = ch.kill()
        self.memory_peak = max(self.memory_peak, max(0, int(ended.get("mem_peak", 0)) - ch.rest_rss))
        return ended

    def _spawn(self, key: str, module: Path, module_name: str) -> _Worker | None:
        self.ready()
        worker, self._spare = self._spare, None
        if worker is None or self._hello(worker, 120) is None:
            if worker is not None:
                worker.kill()
            return None
        self._spare = self._launch()          # the next session's worker warms up meanwhile
        lim = self.limits
        memory = lim.memory_mb << 20
        spec: WorkerSpec = {"module": str(module), "module_name": module_name, "workdir": str(worker.workdir),
                "output_bytes": lim.output_kb * 1024,
                "limits": {"rlimits": self.rlimits, "cpu_seconds": lim.session_cpu_seconds,
                           "file_bytes": lim.file_mb << 20,
                           "memory_bytes": _vm_size(worker) + memory if lim.address_space else -1}}
        try:
            worker.send(codec.encode(spec), time.monotonic() + 30)
            got = worker.next(time.monotonic() + 60)
        except EOFError:
            got = None
        if not got or got.kind != "frame":
            worker.kill()
            return None
        worker.key = key
        self.children_started += 1
        return worker

    # ------------------------------------------------------------------ calls
    def call(self, module: Path, module_name: str, func: str, args: Sequence[Any] = (),
             kwargs: Mapping[str, Any] | None = None, *, callees: Mapping[str, Mapping[str, Any]] | None = None,
             probes: list[dict[str, Any]] | None = None, repeat: int = 1, seed: int = 0,
             wall_seconds: float | None = None, session: str | None = None) -> CallResult:
        with self._lock:
            # A worker's Session serves the one file it loaded: another file is another worker,
            # whatever the scope says (on an accelerator the scope is the whole submission).
            key = f"{session or self.session_for(Path(module))}\0{module}"
            request = codec.encode(frames.call_request(func, args, kwargs, probes=probes, repeat=repeat, seed=seed,
                                                       callees=callees))
            if self._child is not None and self._child.key != key:
                self._end_child()
            if self._child is None:
                try:
                    self._child = self._spawn(key, Path(module), module_name)
                except (OSError, SandboxUnavailable):
                    self._child = None
                if self._child is None:
                    return CallResult(status="harness_error", error={"message": "the sandbox stopped answering"})
            result = self._call(self._child, request, float(wall_seconds or self.limits.call_seconds))
        if result.status == "threads":
            self.end_session()
        return result

    def _call(self, w: _Worker, request: bytes, wall: float) -> CallResult:
        lim = self.limits
        started = time.monotonic()
        deadline = started + wall
        cpu0, _rss = w.measure()
        memory_cap = w.rest_rss + (lim.memory_mb << 20)
        file_cap = lim.file_mb << 20

        def poll() -> None:
            cpu, rss = w.measure()
            if cpu - cpu0 > lim.cpu_seconds:
                raise _Stop("cpu")
            if rss > memory_cap:
                raise _Stop("memory")
            if w.output_bytes() > file_cap:
                raise _Stop("output")

        how, data = "", None
        try:
            w.send(request, deadline)
            got = w.next(deadline, poll)
            if got is None:
                how = "timeout"
            elif got.kind == "frame":
                data = got.data
            else:
                how = "oversize" if got.kind == "oversize" else "ended"
        except _Stop as stop:
            how = stop.how
        except EOFError:
            how = "ended"
        wall_used = round(time.monotonic() - started, 4)
        if data is not None:
            cpu, _rss = w.measure()
            return self._collect(data, wall=wall_used, cpu=round(max(0.0, cpu - cpu0), 4))
        ended = self._end_child()
        cpu = round(max(0.0, float(ended.get("cpu", cpu0)) - cpu0), 4)
        common: _Outcome = {"exit": ended.get("exit"), "signal": ended.get("signal"), "wall": wall_used, "cpu": cpu,
                            "mem_peak": max(0, int(ended.get("mem_peak", 0)) - w.rest_rss)}
        if how == "timeout":
            return CallResult(status="timeout", **common)
        if how == "cpu":
            common["cpu"] = max(cpu, float(lim.cpu_seconds))
            return CallResult(status="cpu", **common)
        if how == "memory":
            return CallResult(status="memory", **common)
        if how == "output":       # where no RLIMIT_FSIZE stops it: as the full sandbox reports a flood
            return CallResult(status="raised", error={"exc_type": "OSError", "frames": [], "not_implemented": False,
                                                      "message": "[Errno 27] File too large"}, **common)
        if how == "oversize":
            return CallResult(status="bad_result", error={"message": "the result is over the size limit"}, **common)
        sig = ended.get("signal")
        xcpu = getattr(signal, "SIGXCPU", None)
        if sig is not None and sig in (getattr(signal, "SIGKILL", 9), xcpu) and cpu >= lim.cpu_seconds - 0.5:
            return CallResult(status="cpu", **common)
        return CallResult(status="killed" if sig else "no_result", **common)

    def _collect(self, data: bytes, *, wall: float, cpu: float) -> CallResult:
        from .client import Sandbox

        # The same checks on the same record format: Sandbox._collect reads only self.limits.
        return Sandbox._collect(self, data, wall=wall, cpu=cpu)  # type: ignore[arg-type]  # not a Sandbox


def _vm_size(worker: _Worker) -> int:
    import psutil

    try:
        return int(psutil.Process(worker.proc.pid).memory_info().vms)
    except psutil.Error:
        return 0
