"""The trusted side of the sandbox: start a zygote, send it calls, read results safely.

``Sandbox.call`` never raises because of anything a student did: every way a call can end
(returned, raised, timed out, ran out of memory, killed itself, printed a flood, returned a
look-alike object) becomes a :class:`CallResult` with plain, type-checked fields.
"""
from __future__ import annotations

import io
import json
import os
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import wire

RESULT_CAP = 32 << 20        # bytes of result file we agree to read


@dataclass(frozen=True)
class SandboxLimits:
    call_seconds: float = 10.0
    cpu_seconds: int = 10
    memory_mb: int = 1024
    output_kb: int = 64
    file_mb: int = 16
    nproc: int = 1


@dataclass
class CallResult:
    """How one sandboxed call ended, as the trusted side saw it."""

    status: str                      # ok | raised | import_error | missing_function | timeout | cpu |
                                     # memory | killed | no_result | bad_result | harness_error | probe_error
    value: Any = None
    values: list | None = None       # with repeat > 1: each call's return value
    args: list = field(default_factory=list)
    kwargs: dict = field(default_factory=dict)
    probes: dict = field(default_factory=dict)
    error: dict = field(default_factory=dict)    # exc_type, message, frames, not_implemented, line, code
    output: str = ""                 # what the student's code printed (capped)
    output_truncated: bool = False
    exit: int | None = None
    signal: int | None = None
    wall: float = 0.0
    cpu: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class SandboxUnavailable(RuntimeError):
    pass


class Sandbox:
    """One zygote process and its scratch folder. Use as a context manager."""

    def __init__(self, limits: SandboxLimits | None = None, *, isolate: bool = True,
                 hide: list[str] | None = None, device: str = "cpu"):
        self.limits = limits or SandboxLimits()
        self.isolate = isolate
        self.hide = [str(h) for h in (hide or [])]
        self.device = device
        self.proc: subprocess.Popen | None = None
        self.base: Path | None = None
        self.info: dict = {}
        self._n = 0
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> "Sandbox":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def work(self) -> Path:
        assert self.base is not None
        return self.base / "work"

    def start(self) -> None:
        """Launch the zygote; returns at once (it warms up while the caller does other work)."""
        if self.proc is not None:
            return
        if self.base is None:
            self.base = Path(tempfile.mkdtemp(prefix="torchdrill-"))
            os.chmod(self.base, 0o711)
            (self.base / "work").mkdir(mode=0o711)
            os.chmod(self.base / "work", 0o711)
            (self.base / "jail").mkdir(mode=0o700)
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "HOME", "CUDA_VISIBLE_DEVICES",
                                                             "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
        env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0")
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-m", "torchdrill.sandbox.zygote"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=env, cwd=str(self.base), text=True, bufsize=1, start_new_session=True,
        )
        config = {"scratch": str(self.work), "jail": str(self.base / "jail"), "isolate": self.isolate,
                  "hide": self.hide}
        self.proc.stdin.write(json.dumps(config) + "\n")
        self.proc.stdin.flush()
        self.info = {}

    def ready(self, timeout: float = 120.0) -> dict:
        """Wait until the zygote has warmed up; returns its hello (isolated?, torch version...)."""
        if not self.info:
            self.start()
            line = self._readline(timeout)
            if line is None:
                self.close()
                raise SandboxUnavailable("the sandbox process did not start (is torch installed for this Python?)")
            self.info = json.loads(line)
        return self.info

    def close(self) -> None:
        self._stop_zygote()
        if self.base is not None:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None

    def _stop_zygote(self) -> None:
        proc, self.proc = self.proc, None
        self.info = {}
        if proc is not None:
            try:
                proc.stdin.close()
            except OSError:
                pass
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            proc.wait()
            proc.stdout.close()

    def _readline(self, timeout: float) -> str | None:
        assert self.proc is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return None
        line = self.proc.stdout.readline()
        return line or None

    # ------------------------------------------------------------------ staging
    def stage_dir(self) -> Path:
        """A fresh folder for one submission's files, readable (not writable) by sandboxed code."""
        self._n += 1
        d = self.work / f"sub-{self._n}"
        d.mkdir(mode=0o755)
        os.chmod(d, 0o755)
        return d

    # ------------------------------------------------------------------ calls
    def call(self, module: Path, module_name: str, func: str, args: list | tuple = (), kwargs: dict | None = None,
             *, callees: dict[str, dict] | None = None, probes: list[dict] | None = None, repeat: int = 1,
             seed: int = 0, wall_seconds: float | None = None) -> CallResult:
        import torch

        with self._lock:
            info = self.ready()
            self._n += 1
            call_dir = self.work / f"call-{self._n}"
            call_dir.mkdir(mode=0o700)
            try:
                torch.save({"args": list(args), "kwargs": dict(kwargs or {})}, call_dir / "args.pt")
                callee_files = {}
                for i, (name, spec) in enumerate((callees or {}).items()):
                    path = call_dir / f"callee-{i}.py"
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "w", encoding="utf-8") as f:
                        f.write(spec["code"])
                    callee_files[name] = {"file": str(path), "record": bool(spec.get("record"))}
                lim = self.limits
                req = {
                    "id": self._n, "call_dir": str(call_dir), "args": str(call_dir / "args.pt"),
                    "module": str(module), "module_name": module_name, "func": func,
                    "callees": callee_files, "probes": probes or [], "repeat": int(repeat), "seed": int(seed),
                    "wall_seconds": float(wall_seconds or lim.call_seconds),
                    "limits": {"cpu_seconds": lim.cpu_seconds, "memory_mb": lim.memory_mb,
                               "file_mb": lim.file_mb, "nproc": lim.nproc if info.get("isolated") else 4096},
                }
                self.proc.stdin.write(json.dumps(req) + "\n")
                self.proc.stdin.flush()
                line = self._readline(req["wall_seconds"] + 30)
                if line is None:
                    # The zygote itself is gone or stuck: stop it and let the next call start a new
                    # one over the same scratch folder (staged submissions stay where they are).
                    self._stop_zygote()
                    return CallResult(status="harness_error", error={"message": "the sandbox stopped answering"})
                reply = json.loads(line)
                return self._collect(reply, call_dir)
            finally:
                shutil.rmtree(call_dir, ignore_errors=True)

    def _collect(self, reply: dict, call_dir: Path) -> CallResult:
        import torch

        output, truncated = _read_output(call_dir / "output.txt", self.limits.output_kb * 1024)
        common = dict(output=output, output_truncated=truncated, exit=reply.get("exit"),
                      signal=reply.get("signal"), wall=reply.get("wall", 0.0), cpu=reply.get("cpu", 0.0))
        if reply.get("timed_out"):
            return CallResult(status="timeout", **common)
        sig = reply.get("signal")
        if sig in (signal.SIGKILL, signal.SIGXCPU) and reply.get("cpu", 0) >= self.limits.cpu_seconds - 0.5:
            return CallResult(status="cpu", **common)
        try:
            data = _read_regular(call_dir / "result.pt", RESULT_CAP)
        except FileNotFoundError:
            return CallResult(status="killed" if sig else "no_result", **common)
        except OSError:
            return CallResult(status="bad_result", error={"message": "the result is not a plain file of sane size"},
                              **common)
        try:
            raw = torch.load(io.BytesIO(data), weights_only=True, map_location=None)
            if type(raw) is not dict or type(raw.get("status")) is not str:
                raise wire.BadWire("not a result record")
            status = raw["status"]
            if status == "ok":
                return CallResult(
                    status="ok", value=wire.validate(raw.get("value")),
                    values=wire.validate(raw["values"]) if "values" in raw else None,
                    args=_as(list, wire.validate(raw.get("args", []))),
                    kwargs=_as(dict, wire.validate(raw.get("kwargs", {}))),
                    probes=_as(dict, wire.validate(raw.get("probes", {}))), **common)
            if status not in ("raised", "import_error", "missing_function", "harness_error", "probe_error",
                              "unsaveable"):
                raise wire.BadWire("unknown status")
            error = _as(dict, wire.validate({k: v for k, v in raw.items() if k != "status"}))
            if status == "raised" and error.get("memory"):
                status = "memory"
            return CallResult(status=status, error=error, **common)
        except Exception as exc:  # anything odd in the file: the student's code wrote it, not ours
            return CallResult(status="bad_result", error={"message": f"{type(exc).__name__}"}, **common)


def _as(kind: type, value: Any) -> Any:
    if type(value) is not kind:
        raise wire.BadWire(f"expected {kind.__name__}")
    return value


def _read_regular(path: Path, cap: int) -> bytes:
    """Read a file the child wrote without following links it may have planted (we are root)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > cap:
            raise OSError("not a regular file of sane size")
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(cap + 1)
    finally:
        os.close(fd)


def _read_output(path: Path, cap: int) -> tuple[str, bool]:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return "", False
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return "", False
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(cap)
    finally:
        os.close(fd)
    return data.decode("utf-8", "replace"), st.st_size > cap
