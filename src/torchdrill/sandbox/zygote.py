"""The trusted fork server: torch imported once, one confined child forked per session.

Started by :class:`torchdrill.sandbox.client.Sandbox` as ``python -I -m torchdrill.sandbox.zygote FD``
with nothing secret in its argv or memory.  ``FD`` is its end of a ``SOCK_SEQPACKET`` socket pair:
one JSON message per packet.  The first message from the parent is the configuration; then

* ``{"op": "spawn", "module": …, "limits": …}``: fork a child for a new session (one stub's or one
  chapter's file of one submission), which confines itself and serves calls; the reply carries its
  pid and, as ancillary data (SCM_RIGHTS), the two pipe ends the parent talks to it through:
  requests in, records out.  The zygote keeps no end of them, so a child whose parent is gone
  reads EOF and ends.
* ``{"op": "end", "pid": …, "reply": bool}``: kill the child and everything of its uid and cgroup,
  reap it, remove its cgroups and folder; with ``reply``, say how it ended (exit status or signal,
  CPU, whether its memory cgroup killed it, its peak memory).

Calls do not pass through here: the parent writes a request to the child and reads its record
directly, and enforces the wall-clock and CPU limits from outside (it sends ``end`` when one is
crossed).  So a call costs two hand-offs between processes, not four.

Fork safety (measured, see the findings notes): the zygote is single-threaded and only ever runs
tiny ops, so no OpenMP pool exists when it forks; it never initialises CUDA.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ["PYTORCH_NVML_BASED_CUDA_CHECK"] = "1"   # availability checks never init CUDA here

import json
import signal
import socket
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

# Modules a student may reasonably import, loaded once so every child gets them for free.
import collections, copy, dataclasses, functools, itertools, numbers, random, statistics, typing, warnings  # noqa: E401,F401  # isort: skip

import numpy as np
import torch

from ..fsutil import remove_tree
from . import cgroup, child, codec, isolation

CGROUP_SLACK = 256 << 20         # pages a child copies from the zygote on write are charged to it too


def warm_up(full: bool = True) -> None:
    """Tiny ops only (never big enough to start a parallel region); with ``full``, one optimizer
    step too (its first call imports torch._dynamo, about a second, which every child then has)
    and a gradient with ``grad_outputs`` (sympy)."""
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()  # type: ignore[no-untyped-call]  # torch's Tensor.backward is not annotated
    if full:        # its first call imports sympy (~0.4 s): for many submissions, not one quick check
        torch.autograd.grad((x ** 2).sum(), x, grad_outputs=torch.ones(()))
    assert x.grad is not None                # the backward above filled it
    with torch.no_grad():
        x -= 0.1 * x.grad
    m = torch.nn.Linear(1, 1)
    loss = torch.nn.MSELoss()(m(torch.ones(2, 1)), torch.zeros(2, 1))
    loss.backward()
    if full:
        opt = torch.optim.SGD(m.parameters(), lr=0.01)
        opt.zero_grad()
        opt.step()
    torch.nn.functional.mse_loss(torch.ones(2), torch.zeros(2))
    torch.randn(4, generator=torch.Generator().manual_seed(0))
    torch.from_numpy(np.zeros(2)).numpy()
    codec.decode(codec.encode({"a": [torch.ones(2).t(), (1, 2.5), torch.float32]}))
    torch.zeros(2, device="meta")
    _ = torch.testing, torch.distributions


def _refuse_audit_hooks(event: str, args: tuple[object, ...]) -> None:
    """Installed before any student code exists: no later audit hook can be added (CPython drops
    a new hook when an existing one raises RuntimeError for ``sys.addaudithook``), so nothing the
    student arms runs on the audit events of the trusted code after the call."""
    if event == "sys.addaudithook":
        raise RuntimeError("audit hooks are not allowed in graded code")


def _bind_paths() -> list[str]:
    """Everything the interpreter may need to read: prefixes, sys.path, the engine itself."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable)),
             os.path.dirname(os.path.dirname(os.path.abspath(__file__)))}
    paths.update(p for p in sys.path if p and os.path.isdir(p))
    return sorted(paths)


class Child:
    """A live child: its cgroups and (without a jail) its host folder."""

    def __init__(self, pid: int, group: cgroup.Group | None, workdir: str | None, memory_bytes: int = 0):
        self.pid, self.group, self.workdir = pid, group, workdir
        self.memory_bytes = memory_bytes     # the course's limit (its cgroup's cap adds CGROUP_SLACK)


class Zygote:
    def __init__(self, config: dict[str, Any]):
        self.scratch = config["scratch"]
        self.hide = config.get("hide", [])
        self.jail: isolation.Jail | None = None
        self.reason = ""
        self.cgroups: cgroup.Controller | None = None
        self.cgroup_reason = ""
        self.children: dict[int, Child] = {}
        self.vm_size = 0
        if config.get("isolate", True):
            if isolation.can_isolate():
                self.cgroups, self.cgroup_reason = cgroup.detect(f"torchdrill-{os.getpid()}")
                try:
                    self.jail = isolation.build_jail(config["jail"], _bind_paths(), self.scratch, self.hide)
                except OSError as exc:
                    self.reason = f"namespaces unavailable ({exc})"
            else:
                self.reason = "not running as root: no jail and no uid drop"
                self.cgroup_reason = "not running as root"
        else:
            self.cgroup_reason = "isolation turned off"
        self.hide = []        # children are forks of this object: leave them nothing to find

    def hello(self) -> dict[str, Any]:
        self.vm_size = isolation.vm_size_bytes()
        return {"ready": True, "isolated": self.jail is not None, "reason": self.reason, "pid": os.getpid(),
                "vm_size": self.vm_size, "torch": torch.__version__,
                "cgroup": self.cgroups is not None, "cgroup_reason": self.cgroup_reason}

    def spawn(self, spec: dict[str, Any]) -> tuple[dict[str, Any], list[int]]:
        """Fork and confine a child for one session; the parent gets its pipe ends."""
        lim = spec["limits"]
        memory = int(lim["memory_mb"]) << 20
        group = None
        if self.cgroups is not None:
            try:
                group = self.cgroups.new_group(memory + CGROUP_SLACK, max(8, int(lim["nproc"]) + 4))
            except OSError:
                group = None
        workdir = None if self.jail is not None else tempfile.mkdtemp(prefix="child-",
                                                                      dir=os.path.dirname(self.scratch))
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        child_spec = {
            "modules": spec["modules"], "workdir": workdir or "",
            "output_bytes": int(lim["output_kb"]) * 1024,
            "limits": {"cpu_seconds": int(lim["session_cpu_seconds"]), "cpu_hard": int(lim["session_cpu_seconds"]),
                       "memory_bytes": self.vm_size + memory if lim.get("address_space", True) else -1,
                       "file_bytes": int(lim["file_mb"]) << 20,
                       "nproc": int(lim["nproc"]) + 1,      # its sealer thread is a task of its uid too
                       "disk_bytes": int(lim["disk_mb"]) << 20, "inodes": int(lim["inodes"])},
        }
        pid = os.fork()
        if pid == 0:
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                os.close(req_w)
                os.close(rep_r)
                child.run(child_spec, self.jail, req_r, rep_w, join=group.join if group else None)
            finally:
                os._exit(70)
        os.close(req_r)
        os.close(rep_w)
        self.children[pid] = Child(pid, group, workdir, memory)
        return {"pid": pid}, [req_w, rep_r]

    def end(self, pid: int) -> dict[str, Any]:
        """Kill one child and everything it started; how it ended."""
        ch = self.children.pop(pid, None)
        if ch is None:
            return {"pid": pid, "unknown": True}
        # Held before the kill: a child over the course's limit that the kernel is still squeezing
        # at its cap (reclaim can take seconds before the OOM kill) ran out of memory, not time.
        over = ch.group is not None and ch.memory_bytes > 0 and ch.group.usage_bytes() > ch.memory_bytes
        _kill_all(pid, self.jail, ch.group)
        out: dict[str, Any] = {"pid": pid, "over_memory": over}
        try:
            _, status, rusage = os.wait4(pid, 0)
            out["cpu"] = round(rusage.ru_utime + rusage.ru_stime, 4)
            if os.WIFSIGNALED(status):
                out["signal"] = os.WTERMSIG(status)
            else:
                out["exit"] = os.WEXITSTATUS(status)
        except ChildProcessError:
            pass
        _kill_all(pid, self.jail, ch.group)       # whatever the child left behind
        _reap()
        if ch.group is not None:
            out["mem_peak"] = ch.group.peak_bytes()
            out["oom"] = ch.group.oom_kills() > 0
            ch.group.remove()
        if ch.workdir:
            remove_tree(ch.workdir)
        return out

    def end_all(self) -> None:
        for pid in list(self.children):
            self.end(pid)


def _kill_all(pid: int, jail: isolation.Jail | None, group: cgroup.Group | None = None) -> None:
    """SIGKILL the child's process group, every process in its cgroup and, when isolated without
    a cgroup, every process of its private uid."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if group is not None:
        for _ in range(3):
            pids = group.pids()
            for p in pids:
                try:
                    os.kill(p, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            if not pids:
                return
        return
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


def _send(sock: socket.socket, obj: dict[str, Any], fds: Sequence[int] = ()) -> None:
    data = json.dumps(obj).encode()
    if fds:
        socket.send_fds(sock, [data], list(fds))
    else:
        sock.send(data)


def serve(sock: socket.socket) -> None:
    config = json.loads(sock.recv(1 << 20))
    isolation.prctl(36, 1)   # PR_SET_CHILD_SUBREAPER: orphans of a child come back to us to be killed
    warm_up(bool(config.get("warm", True)))
    zygote = Zygote(config)
    config = None
    sys.addaudithook(_refuse_audit_hooks)
    child.prepare()                  # every child's snapshot and handlers, built once, shared on fork
    _send(sock, zygote.hello())
    try:
        while True:
            data = sock.recv(1 << 20)
            if not data:
                break
            msg = json.loads(data)
            if msg.get("op") == "spawn":
                reply, fds = zygote.spawn(msg)
                reply["id"] = msg.get("id")
                try:
                    _send(sock, reply, fds)
                finally:
                    for fd in fds:
                        os.close(fd)
            elif msg.get("op") == "end":
                out = zygote.end(int(msg["pid"]))
                if msg.get("reply"):
                    out["id"] = msg.get("id")
                    _send(sock, out)
    finally:
        zygote.end_all()
        if zygote.cgroups is not None:
            zygote.cgroups.close()


def main() -> None:
    sock = socket.socket(fileno=int(sys.argv[1]))
    os.dup2(2, 1)                      # anything printed goes to stderr
    sys.stdout = sys.stderr
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle
    try:
        serve(sock)
    except (BrokenPipeError, ConnectionError, KeyboardInterrupt):
        pass


if __name__ == "__main__":
    main()
