"""The worker process of the portable sandbox: the same Session loop as the Linux child, unconfined.

Started by :class:`torchdrill.sandbox.portable.PortableSandbox` as
``python -I -m torchdrill.sandbox.portable_worker`` with its stdin and stdout as the two pipes.
It moves them aside (the student's prints go to the Session's output file, never into the
result channel), imports torch and says hello in one codec frame, then waits for its session's
spec (the student's file, its folder, the limits) in another.  It sets the rlimits the platform
has (``resource``: Linux and macOS; none on Windows), loads the file and serves calls exactly as
:class:`torchdrill.sandbox.child.Session` does: length-prefixed codec frames, one request in, one
record out.

There is no jail, namespace, cgroup or uid drop here: the parent enforces the wall clock, CPU,
memory and output limits from outside and kills the whole process tree (psutil).  This is a
checker for a student's own code on their own laptop, not a defence against hostile code.
"""
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:                       # imported in main(), after the pipes moved and the stand-ins
    from .child import Session


class WorkerLimits(TypedDict):
    """The rlimits a worker sets on itself, where the platform has them."""

    rlimits: bool                       # False: none (the watches from outside only, as on Windows)
    cpu_seconds: int                    # RLIMIT_CPU, the session's whole life
    file_bytes: int                     # RLIMIT_FSIZE
    memory_bytes: int                   # RLIMIT_AS; -1: none


class WorkerSpec(TypedDict):
    """The second frame to a worker: its session (what :class:`child.Session` reads, and limits)."""

    module: str
    module_name: str
    workdir: str
    output_bytes: int
    limits: WorkerLimits


class Hello(TypedDict):
    """A worker's first frame: torch imported and warmed up."""

    ready: bool
    torch: str
    pid: int


class Serving(TypedDict):
    """A worker's second frame: its file loaded, its limits set (``refused``: those it could not)."""

    serving: bool
    refused: list[str]


def _move_pipes() -> tuple[int, int]:
    """Our private copies of the request (stdin) and reply (stdout) pipes; 0, 1 and 2 are then
    the null device and stderr until the Session points 1 and 2 at its output file."""
    req, rep = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    if hasattr(os, "set_inheritable"):
        os.set_inheritable(req, False)
        os.set_inheritable(rep, False)
    return req, rep


def _stand_ins() -> None:
    """Windows has no signal masks, interval timers, SIGKILL or SIGSTOP: the Session's sealing
    steps that use them become no-ops there (a student cannot arm what does not exist)."""
    import importlib
    import signal

    def no_mask(how: int, mask: object) -> set[int]:
        return set()

    def no_timer(which: int, seconds: float, interval: float = 0.0) -> tuple[float, float]:
        return (0.0, 0.0)

    stand_ins: tuple[tuple[str, object], ...] = (
        ("SIGKILL", 9), ("SIGSTOP", 19), ("SIG_BLOCK", 0), ("SIG_UNBLOCK", 1),
        ("ITIMER_REAL", 0), ("ITIMER_VIRTUAL", 1), ("ITIMER_PROF", 2),
        ("pthread_sigmask", no_mask), ("setitimer", no_timer))
    for mod in (signal, importlib.import_module("_signal")):    # (no typeshed stub for _signal)
        for name, value in stand_ins:
            if not hasattr(mod, name):
                setattr(mod, name, value)


def _set_rlimits(limits: WorkerLimits) -> list[str]:
    """The rlimits this platform has; the names of those it refused (macOS ignores RLIMIT_AS)."""
    if not limits.get("rlimits", True):
        return ["rlimits turned off"]
    try:
        import resource
    except ImportError:
        return ["no rlimits on this platform"]
    refused = []
    wanted = [("RLIMIT_CPU", int(limits["cpu_seconds"])), ("RLIMIT_FSIZE", int(limits["file_bytes"])),
              ("RLIMIT_CORE", 0)]
    if int(limits.get("memory_bytes", -1)) > 0:
        wanted.append(("RLIMIT_AS", int(limits["memory_bytes"])))
    for name, value in wanted:
        res = getattr(resource, name, None)
        if res is None:
            refused.append(name)
            continue
        try:
            _soft, hard = resource.getrlimit(res)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(res, (value, value))
        except (ValueError, OSError):
            refused.append(name)
    return refused


def _warm_up(full: bool) -> None:
    """What the zygote warms before it forks (before a call's CPU is counted): autograd, nn, the
    codec; with ``full``, an optimizer step too (its first one imports torch._dynamo, seconds)."""
    import torch

    from . import codec

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(False)     # what every call's reset does; its first use imports
    torch.autograd.set_detect_anomaly(False)      # torch._dynamo (seconds), here instead of in a call
    torch.manual_seed(0)
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    torch.autograd.backward((x * x).sum())       # (Tensor.backward is unannotated in torch)
    m = torch.nn.Linear(1, 1)
    torch.autograd.backward(torch.nn.functional.mse_loss(m(torch.ones(2, 1)), torch.zeros(2, 1)))
    if full:
        torch.optim.SGD(m.parameters(), lr=0.01).step()
    codec.decode(codec.encode({"a": [torch.ones(2).t(), (1, 2.5), torch.float32]}))
    _ = torch.testing, torch.distributions


def main() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    req_fd, rep_fd = _move_pipes()
    _stand_ins()
    import torch

    from . import child, codec, frames

    _warm_up(full="--warm" in sys.argv[1:])
    hello: Hello = {"ready": True, "torch": str(torch.__version__), "pid": os.getpid()}
    frames.write_frame(rep_fd, codec.encode(hello))
    try:
        spec: Any = codec.decode(frames.read_frame(req_fd, child.MAX_REQUEST), max_bytes=1 << 20)  # a WorkerSpec
    except EOFError:                                 # a spare nobody needed: the parent closed
        os._exit(0)
    session = _session_class()(spec, req_fd, rep_fd)
    session.load()
    os.chdir(spec["workdir"])
    refused = _set_rlimits(spec["limits"])
    session.open_output()
    session.start_sealer()                          # the Session's trusted thread
    serving: Serving = {"serving": True, "refused": refused}
    frames.write_frame(rep_fd, codec.encode(serving))
    session.serve()
    os._exit(0)


def _session_class() -> type[Session]:
    """The Linux child's Session, with the output file made portable (defined here, late: importing
    ``child`` imports torch and needs the stand-ins)."""
    from .child import Session

    class _Portable(Session):
        def open_output(self) -> None:
            self.out_fd = os.open("output.txt", os.O_RDWR | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0),
                                  0o600)
            null_fd = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null_fd, 0)
            os.close(null_fd)

    return _Portable


if __name__ == "__main__":
    main()
