"""The trusted fork server: torch imported once, one confined child forked per call.

Started by :class:`torchdrill.sandbox.client.Sandbox` as ``python -I -m torchdrill.sandbox.zygote``
with nothing secret in its argv or memory.  Protocol: JSON lines; the first one from the parent is
the configuration, each later one a call request; each reply is one JSON line on the protocol fd
(the original stdout: stray prints from imports go to stderr).

Fork safety (measured, see the findings notes): the zygote is single-threaded and only ever runs
tiny ops, so no OpenMP pool exists when it forks; it never initialises CUDA.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ["PYTORCH_NVML_BASED_CUDA_CHECK"] = "1"   # availability checks never init CUDA here

import json  # noqa: E402
import select  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

# Modules a student may reasonably import, loaded once so every child gets them for free.
import collections, copy, dataclasses, functools, itertools, math, numbers, random, statistics, typing, warnings  # noqa: E401,E402,F401

import numpy as np  # noqa: E402
import torch  # noqa: E402

from . import child, isolation  # noqa: E402


def warm_up() -> None:
    """Tiny ops only (never big enough to start a parallel region), one optimizer step included."""
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    torch.autograd.grad((x ** 2).sum(), x, grad_outputs=torch.ones(()))
    with torch.no_grad():
        x -= 0.1 * x.grad
    m = torch.nn.Linear(1, 1)
    opt = torch.optim.SGD(m.parameters(), lr=0.01)
    loss = torch.nn.MSELoss()(m(torch.ones(2, 1)), torch.zeros(2, 1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    torch.nn.functional.mse_loss(torch.ones(2), torch.zeros(2))
    torch.randn(4, generator=torch.Generator().manual_seed(0))
    torch.from_numpy(np.zeros(2)).numpy()
    torch.save({"a": torch.ones(1)}, __import__("io").BytesIO())
    torch.zeros(2, device="meta")
    _ = torch.testing, torch.distributions


def _bind_paths() -> list[str]:
    """Everything the interpreter may need to read: prefixes, sys.path, the engine itself."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable)),
             os.path.dirname(os.path.dirname(os.path.abspath(__file__)))}
    paths.update(p for p in sys.path if p and os.path.isdir(p))
    return sorted(paths)


def serve(proto_in, proto_out) -> None:
    config = json.loads(proto_in.readline())
    isolation.prctl(36, 1)   # PR_SET_CHILD_SUBREAPER: orphans of a child come back to us to be killed
    warm_up()
    jail = None
    isolated_reason = ""
    if config.get("isolate", True):
        if isolation.can_isolate():
            try:
                jail = isolation.build_jail(config["jail"], _bind_paths(), config["scratch"], config.get("hide", []))
            except OSError as exc:
                isolated_reason = f"namespaces unavailable ({exc})"
        else:
            isolated_reason = "not running as root: no jail and no uid drop"
    config = None      # children are forks of this frame: leave them nothing to find (the hide list)
    _reply(proto_out, {"ready": True, "isolated": jail is not None, "reason": isolated_reason,
                       "pid": os.getpid(), "vm_size": isolation.vm_size_bytes(),
                       "torch": torch.__version__})
    for line in proto_in:
        if not line.strip():
            continue
        req = json.loads(line)
        _reply(proto_out, handle(req, jail))


def _reply(out, obj: dict) -> None:
    out.write(json.dumps(obj) + "\n")
    out.flush()


def handle(req: dict, jail) -> dict:
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            child.run(req, jail)
        finally:
            os._exit(70)
    deadline = started + float(req["wall_seconds"])
    timed_out = False
    status, rusage = _wait(pid, deadline)
    if status is None:
        timed_out = True
        _kill_all(pid, jail)
        _, status, rusage = os.wait4(pid, 0)
    _kill_all(pid, jail)     # whatever the child left behind (threads die with it; processes here)
    _reap()
    reply = {"id": req["id"], "timed_out": timed_out, "wall": round(time.monotonic() - started, 4),
             "cpu": round(rusage.ru_utime + rusage.ru_stime, 4), "maxrss_kb": rusage.ru_maxrss}
    if os.WIFSIGNALED(status):
        reply["signal"] = os.WTERMSIG(status)
    else:
        reply["exit"] = os.WEXITSTATUS(status)
    return reply


def _wait(pid: int, deadline: float):
    """Wait for the child until the deadline; (status, rusage), or (None, None) on timeout."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = None
    try:
        while True:
            got, status, rusage = os.wait4(pid, os.WNOHANG)
            if got == pid:
                return status, rusage
            left = deadline - time.monotonic()
            if left <= 0:
                return None, None
            if fd is not None:
                select.select([fd], [], [], left)
            else:
                time.sleep(min(0.005, left))
    finally:
        if fd is not None:
            os.close(fd)


def _kill_all(pid: int, jail) -> None:
    """SIGKILL the child's process group and, when isolated, every process of its private uid."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if jail is None:
        return
    uid = isolation.UID_BASE + pid
    for _ in range(3):
        found = False
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    os.kill(int(entry), signal.SIGKILL)
                    found = True
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                pass
        if not found:
            break


def _reap() -> None:
    while True:
        try:
            got, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if got == 0:
            return


def main() -> None:
    proto_out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)                      # anything printed from here on goes to stderr
    sys.stdout = sys.stderr
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle
    try:
        serve(sys.stdin, proto_out)
    except (BrokenPipeError, KeyboardInterrupt):
        pass


if __name__ == "__main__":
    main()
