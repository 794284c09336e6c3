"""The trusted side of the sandbox: start a zygote, send it calls, read results safely.

``Sandbox.call`` never raises because of anything a student did: every way a call can end
(returned, raised, timed out, ran out of memory, killed itself, printed a flood, returned a
look-alike object, left threads running) becomes a :class:`CallResult` with plain, type-checked
fields.  Calls with the same ``session`` (by default: the same file and function) are served by
one confined child; :meth:`Sandbox.end_session` ends it (the grader does after each submission).
"""
from __future__ import annotations

import json
import os
import select
import signal
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..fsutil import remove_tree
from ..procutil import kill_group
from . import codec, wire
from .base import SandboxBase
from .launch import Launched, launch, new_base

RESULT_CAP = 32 << 20        # bytes of one call's record we agree to read (the zygote's cap too)


@dataclass(frozen=True)
class SandboxLimits:
    call_seconds: float = 10.0
    cpu_seconds: int = 10
    memory_mb: int = 1024
    output_kb: int = 64
    file_mb: int = 16
    nproc: int = 1
    disk_mb: int = 64        # each writable tmpfs folder of a child (its working folder, /tmp, /dev/shm)
    inodes: int = 2048       # files and folders in each of them
    address_space: bool = True   # RLIMIT_AS as well as the memory cgroup (off for CUDA, which maps
                                 # far more address space than it uses)

    @property
    def session_cpu_seconds(self) -> int:
        """A child's CPU for its whole life where per-call limits cannot be raised (not root)."""
        return max(300, self.cpu_seconds * 30)


@dataclass
class CallResult:
    """How one sandboxed call ended, as the trusted side saw it."""

    status: str                      # ok | raised | import_error | missing_function | timeout | cpu |
                                     # memory | killed | no_result | bad_result | harness_error | probe_error |
                                     # threads
    value: Any = None
    values: list[Any] | None = None  # with repeat > 1: each call's return value
    args: list[Any] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    probes: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] = field(default_factory=dict)    # exc_type, message, frames, not_implemented, line, code
    output: str = ""                 # what the student's code printed (capped)
    output_truncated: bool = False
    exit: int | None = None
    signal: int | None = None
    wall: float = 0.0
    cpu: float = 0.0
    mem_peak: int = 0                # bytes, the child's memory cgroup's peak during the call (0: unknown)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class SandboxUnavailable(RuntimeError):
    pass


_LEN = struct.Struct("<Q")
_CLK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100     # Windows: never read there
CPU_POLL = 0.25             # seconds between looks at a running call's CPU time


class _Reader:
    """Exact byte counts from a pipe, with a deadline (select on the raw fd)."""

    def __init__(self, fd: int):
        self.fd, self.buf = fd, bytearray()

    def read(self, n: int, deadline: float, poll: Callable[[], None] | None = None) -> bytes | None:
        """``n`` bytes, or None at the deadline; ``poll()`` runs while waiting and may raise."""
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.fd], [], [], min(left, CPU_POLL) if poll else left)
            if not ready:
                if poll is not None:
                    poll()
                continue
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                raise EOFError
            self.buf += chunk
        data, self.buf = bytes(self.buf[:n]), self.buf[n:]
        return data


class _Child:
    """The parent's end of one session's child: its pid and the two pipes to it."""

    def __init__(self, key: str, pid: int, req_w: int, rep_r: int):
        self.key, self.pid, self.req_w = key, pid, req_w
        self.reader = _Reader(rep_r)
        self.cpu: float | None = None     # CPU seconds it had used when its last call ended
        try:       # read again for every call: kept open (a dead process's file reads as an error)
            self.stat_fd = os.open(f"/proc/{pid}/stat", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            self.stat_fd = -1

    def cpu_seconds(self) -> float:
        """User + system CPU of the child, all its threads, so far (``/proc/PID/stat``)."""
        try:
            fields = os.pread(self.stat_fd, 4096, 0).rsplit(b")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / _CLK
        except (OSError, IndexError, ValueError):
            return 0.0

    def close(self) -> None:
        for fd in (self.req_w, self.reader.fd, self.stat_fd):
            try:
                os.close(fd)
            except OSError:
                pass


class _CpuExceeded(Exception):
    pass


class Sandbox(SandboxBase):
    """One zygote process and its scratch folder. Use as a context manager."""

    def __init__(self, limits: SandboxLimits | None = None, *, isolate: bool = True,
                 hide: list[str] | None = None, device: str = "cpu"):
        self.limits = limits or SandboxLimits()
        self.isolate = isolate
        self.hide = [str(h) for h in (hide or [])]
        self.device = device
        self.proc: subprocess.Popen[bytes] | None = None
        self.sock: socket.socket | None = None
        self.base: Path | None = None
        self.info: dict[str, Any] = {}
        self._n = 0
        self._child: _Child | None = None
        self._lock = threading.Lock()
        #: what one child serves: "chapter" (each chapter file of a submission its own child) or
        #: "submission" (one child for all of it; what a GradingSession asks for: one fork and at
        #: most one CUDA context per submission)
        self.session_scope = "chapter"
        #: how many zygotes this sandbox started: a change during a submission means it was restarted
        self.generation = 0
        #: how many confined children it forked (each one at most one CUDA context)
        self.children_started = 0
        #: the highest memory any ended child's cgroup counted, in bytes (the caller resets it)
        self.memory_peak = 0
        #: the zygote warms up for many submissions (an optimizer step: ~1 s once, instead of in the
        #: first child that steps one); off for a student's quick check
        self.warm = True

    # ------------------------------------------------------------------ lifecycle
    def start(self, launched: Launched | None = None) -> None:
        """Start the zygote (or adopt ``launched``, one already importing torch, when this sandbox
        has no folder of its own yet) and configure it; returns at once (it warms up while the
        caller does other work)."""
        if self.proc is not None:
            if launched is not None:
                launched.close()
            return
        if launched is not None and self.base is None:
            self.base = launched.base
        else:
            if launched is not None:
                launched.close()
            if self.base is None:
                self.base = new_base()
            launched = launch(self.base)
        self.proc, self.sock = launched.proc, launched.sock
        self.generation += 1
        self._send({"scratch": str(self.work), "jail": str(self.base / "jail"), "isolate": self.isolate,
                    "hide": self.hide, "warm": self.warm})
        self.info = {}
        self._child = None

    def _send(self, obj: dict[str, Any]) -> None:
        assert self.sock is not None
        self.sock.send(json.dumps(obj).encode())

    def _receive(self, timeout: float) -> tuple[dict[str, Any], list[int]] | None:
        """The zygote's next message (and any pipe ends it carries), or None if it is gone or stuck."""
        assert self.sock is not None
        try:
            ready, _, _ = select.select([self.sock], [], [], timeout)
            if not ready:
                return None
            data, fds, _flags, _addr = socket.recv_fds(self.sock, 1 << 20, 4)
        except OSError:
            return None
        if not data:
            return None
        return json.loads(data), fds

    def ready(self, timeout: float = 120.0) -> dict[str, Any]:
        """Wait until the zygote has warmed up; returns its hello (isolated?, torch version...)."""
        if not self.info:
            self.start()
            got = self._receive(timeout)
            if got is None:
                self.close()
                raise SandboxUnavailable("the sandbox process did not start (is torch installed for this Python?)")
            self.info = got[0]
        return self.info

    def close(self) -> None:
        self._stop_zygote()
        if self.base is not None:
            remove_tree(self.base)
            self.base = None

    def _stop_zygote(self) -> None:
        proc, self.proc = self.proc, None
        self.info = {}
        if self._child is not None:
            self._child.close()
            self._child = None
        if self.sock is not None:
            self.sock.close()           # the zygote reads EOF, ends its children and exits
            self.sock = None
        if proc is not None:
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
            kill_group(proc)

    # ------------------------------------------------------------------ staging
    def stage_dir(self) -> Path:
        """A fresh folder for one submission's files, readable (not writable) by sandboxed code."""
        self._n += 1
        d = self.work / f"sub-{self._n}"
        d.mkdir(mode=0o755)
        os.chmod(d, 0o755)
        return d

    # ------------------------------------------------------------------ sessions
    def end_session(self) -> None:
        """End the child that serves the current session and wait until it is gone: nothing it
        started survives.  (Between sessions of one submission the next call ends it without
        waiting: the zygote ends it before it forks the next.)"""
        with self._lock:
            self._end_child(wait=True)

    def _end_child(self, *, wait: bool) -> dict[str, Any]:
        """Close our pipes to the child and have the zygote kill and reap it (and, with ``wait``,
        say how it ended)."""
        ch, self._child = self._child, None
        if ch is None or self.sock is None:
            return {}
        ch.close()
        self._n += 1
        end_id = self._n
        try:
            self._send({"op": "end", "pid": ch.pid, "reply": True, "id": end_id})
        except OSError:
            return {}
        if not wait:
            return {}          # its reply is read (and its memory noted) before the next spawn's
        while True:
            got = self._receive(30)
            if got is None:
                self._stop_zygote()
                return {}
            self._note(got[0])
            if got[0].get("id") == end_id:
                return got[0]

    def _note(self, reply: dict[str, Any]) -> None:
        peak = reply.get("mem_peak")
        if type(peak) is int:
            self.memory_peak = max(self.memory_peak, peak)

    def _spawn(self, key: str, module: Path, module_name: str, limits: dict[str, Any]) -> _Child | None:
        """A child for the session of ``module``: it loads that file, or with the "submission" scope
        every chapter file staged beside it (so that one child serves them all)."""
        modules = [[str(module), module_name]]
        if self.session_scope == "submission":
            modules += [[str(p), p.stem] for p in sorted(module.parent.glob("*.py")) if p != module]
        self._n += 1
        self._send({"op": "spawn", "id": self._n, "modules": modules, "limits": limits})
        while True:
            got = self._receive(60)
            if got is None:
                return None
            reply, fds = got
            self._note(reply)
            if reply.get("id") == self._n and len(fds) == 2:
                self.children_started += 1
                return _Child(key, int(reply["pid"]), fds[0], fds[1])
            for fd in fds:
                os.close(fd)

    # ------------------------------------------------------------------ calls
    def call(self, module: Path, module_name: str, func: str, args: list[Any] | tuple[Any, ...] = (),
             kwargs: dict[str, Any] | None = None, *, callees: dict[str, dict[str, Any]] | None = None,
             probes: list[dict[str, Any]] | None = None, repeat: int = 1,
             seed: int = 0, wall_seconds: float | None = None, session: str | None = None) -> CallResult:
        with self._lock:
            info = self.ready()
            lim = self.limits
            key = session or self.session_for(Path(module))
            request = codec.encode({
                "module": module_name, "func": func, "args": list(args), "kwargs": dict(kwargs or {}),
                "probes": probes or [], "repeat": int(repeat), "seed": int(seed),
                "callees": [[name, spec["code"], bool(spec.get("record"))] for name, spec in (callees or {}).items()]})
            if self._child is not None and self._child.key != key:
                self._end_child(wait=False)
            if self._child is None:
                limits = {"memory_mb": lim.memory_mb, "file_mb": lim.file_mb, "output_kb": lim.output_kb,
                          "disk_mb": lim.disk_mb, "inodes": lim.inodes, "session_cpu_seconds": lim.session_cpu_seconds,
                          "address_space": lim.address_space, "nproc": lim.nproc if info.get("isolated") else 4096}
                try:
                    self._child = self._spawn(key, Path(module), module_name, limits)
                except OSError:
                    self._child = None
                if self._child is None:
                    # The zygote itself is gone or stuck: stop it and let the next call start a new
                    # one over the same scratch folder (staged submissions stay where they are).
                    self._stop_zygote()
                    return CallResult(status="harness_error", error={"message": "the sandbox stopped answering"})
            result = self._call(self._child, request, float(wall_seconds or lim.call_seconds))
        if result.status == "threads":
            self.end_session()          # the threads it left may still run: the child must go
        elif self._child is not None and (self._child.cpu or 0.0) > lim.session_cpu_seconds - 2 * lim.cpu_seconds:
            # Near its lifetime's CPU limit (RLIMIT_CPU, a backstop): the next call gets a new child,
            # so that no call is cut short by what earlier calls used.
            with self._lock:
                self._end_child(wait=False)
        return result

    def _call(self, ch: _Child, request: bytes, wall: float) -> CallResult:
        started = time.monotonic()
        deadline = started + wall
        cpu0 = ch.cpu if ch.cpu is not None else ch.cpu_seconds()   # it idles between calls
        lim = self.limits

        def poll() -> None:
            if ch.cpu_seconds() - cpu0 > lim.cpu_seconds:
                raise _CpuExceeded

        how = ""
        data = None
        try:
            _write_all(ch.req_w, _LEN.pack(len(request)) + request, deadline)
            head = ch.reader.read(_LEN.size, deadline, poll)
            if head is not None:
                (n,) = _LEN.unpack(head)
                if n > RESULT_CAP:
                    how = "oversize"
                else:
                    data = ch.reader.read(n, deadline, poll)
            if data is None and not how:
                how = "timeout"
        except _CpuExceeded:
            how = "cpu"
        except (EOFError, OSError):
            how = "ended"
        wall_used = round(time.monotonic() - started, 4)
        if data is not None:
            ch.cpu = ch.cpu_seconds()
            cpu = round(max(0.0, ch.cpu - cpu0), 4)
            return self._collect(data, wall=wall_used, cpu=cpu)
        ended = self._end_child(wait=True)      # the child goes: how did it end?
        cpu = round(max(0.0, float(ended.get("cpu", cpu0)) - cpu0), 4)
        common: dict[str, Any] = {"exit": ended.get("exit"), "signal": ended.get("signal"), "wall": wall_used,
                                  "cpu": cpu, "mem_peak": int(ended.get("mem_peak", 0) or 0)}
        # Memory first: at its cap the kernel may spend seconds reclaiming before its OOM kill,
        # so a hog's time (or CPU, which counts that kernel work) can run out on the way.
        if ended.get("oom") or (how in ("timeout", "cpu") and ended.get("over_memory")):
            return CallResult(status="memory", **common)
        if how == "timeout":
            return CallResult(status="timeout", **common)
        if how == "cpu":
            return CallResult(status="cpu", **{**common, "cpu": max(cpu, float(lim.cpu_seconds))})
        if how == "oversize":
            return CallResult(status="bad_result", error={"message": "the result is over the size limit"}, **common)
        sig = ended.get("signal")
        if sig in (signal.SIGKILL, signal.SIGXCPU) and cpu >= lim.cpu_seconds - 0.5:
            return CallResult(status="cpu", **common)
        return CallResult(status="killed" if sig else "no_result", **common)

    def _collect(self, data: bytes, **common: Any) -> CallResult:
        try:
            raw = codec.decode(data, max_bytes=RESULT_CAP)
            if type(raw) is not dict or type(raw.get("status")) is not str:
                raise wire.BadWire("not a result record")
            output = raw.get("output")
            common.update(output=output[:self.limits.output_kb * 1024] if type(output) is str else "",
                          output_truncated=raw.get("output_truncated") is True)
            status = raw["status"]
            budget = wire.Budget()               # one bound on the work for the whole record
            if status == "ok":
                return CallResult(
                    status="ok", value=wire.validate(raw.get("value"), budget=budget),
                    values=wire.validate(raw["values"], budget=budget) if "values" in raw else None,
                    args=_as(list, wire.validate(raw.get("args", []), budget=budget)),
                    kwargs=_as(dict, wire.validate(raw.get("kwargs", {}), budget=budget)),
                    probes=_as(dict, wire.validate(raw.get("probes", {}), budget=budget)), **common)
            if status not in ("raised", "import_error", "missing_function", "harness_error", "probe_error",
                              "unsaveable", "threads"):
                raise wire.BadWire("unknown status")
            error = _as(dict, wire.validate({k: v for k, v in raw.items()
                                             if k not in ("status", "output", "output_truncated")}, budget=budget))
            if status == "raised" and error.get("memory"):
                status = "memory"
            return CallResult(status=status, error=error, **common)
        except Exception as exc:  # anything odd in the record: the student's code wrote it, not ours
            return CallResult(status="bad_result", error={"message": f"{type(exc).__name__}"}, **common)


def _write_all(fd: int, data: bytes, deadline: float) -> None:
    view = memoryview(data)
    while view:
        left = deadline - time.monotonic()
        if left <= 0:
            raise EOFError
        _, writable, _ = select.select([], [fd], [], left)
        if writable:
            view = view[os.write(fd, view[:1 << 16]):]


def _as(kind: type, value: Any) -> Any:
    if type(value) is not kind:
        raise wire.BadWire(f"expected {kind.__name__}")
    return value
