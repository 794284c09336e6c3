"""Kernel accounting for sandboxed children: one memory and pids cgroup per child.

``RLIMIT_AS`` counts address space, not memory: pages a child puts in a ``memfd``, in POSIX shared
memory or in a tmpfs are not in it, so a child with a 1 GB limit could hold several.  A memory
cgroup charges every page the child faults in — anonymous, shmem, memfd and tmpfs alike — and
the kernel kills the child (only it) when it goes over; a pids cgroup caps its tasks whatever its
uid.  Both hierarchies are supported: cgroup v2 (``memory.max``, ``pids.max``, ``memory.events``)
and v1 (``memory.limit_in_bytes`` + ``memory.memsw.limit_in_bytes``, ``pids.max``,
``memory.oom_control``), found from ``/proc/self/cgroup`` and ``/proc/self/mountinfo``.

:func:`detect` returns a :class:`Controller` or the reason there is none (not root, no writable
hierarchy): the caller degrades to rlimits and says "isolation reduced".
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass


@dataclass
class Group:
    """One child's cgroups: the ``cgroup.procs`` files to join, and what the kernel counted."""

    memory_dir: str
    pids_dir: str | None
    v2: bool

    @property
    def procs_files(self) -> list[str]:
        dirs = [self.memory_dir] + ([self.pids_dir] if self.pids_dir and self.pids_dir != self.memory_dir else [])
        return [os.path.join(d, "cgroup.procs") for d in dirs]

    def join(self, pid: int = 0) -> None:
        """Move ``pid`` (default: the calling process) into the groups; raises OSError."""
        for f in self.procs_files:
            with open(f, "w") as fh:
                fh.write(str(pid or os.getpid()))

    def pids(self) -> list[int]:
        """Every process still in the group (the child and anything it started)."""
        out: list[int] = []
        for f in self.procs_files:
            out += [int(x) for x in _read(f).split() if x.isdigit()]
        return out

    def oom_kills(self) -> int:
        if self.v2:
            text = _read(os.path.join(self.memory_dir, "memory.events"))
            return _field(text, "oom_kill")
        text = _read(os.path.join(self.memory_dir, "memory.oom_control"))
        kills = _field(text, "oom_kill")
        if kills:
            return kills
        # kernels without an oom_kill count: a failed charge at the limit means the same
        fail = _read(os.path.join(self.memory_dir, "memory.failcnt")).strip()
        return 1 if fail.isdigit() and int(fail) > 0 else 0

    def usage_bytes(self) -> int:
        """What the kernel charges the group now (pages it cannot take back and cache alike)."""
        name = "memory.current" if self.v2 else "memory.usage_in_bytes"
        text = _read(os.path.join(self.memory_dir, name)).strip()
        return int(text) if text.isdigit() else 0

    def peak_bytes(self) -> int:
        name = "memory.peak" if self.v2 else "memory.max_usage_in_bytes"
        text = _read(os.path.join(self.memory_dir, name)).strip()
        return int(text) if text.isdigit() else 0

    def remove(self) -> None:
        """Remove the groups once their processes are gone (retries briefly: the kernel frees
        a dead task's charge a moment after its parent reaped it)."""
        for d in {d for d in (self.memory_dir, self.pids_dir) if d is not None}:
            for _ in range(50):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.002)


class Controller:
    """Makes one :class:`Group` per child under a parent group of this process's own."""

    def __init__(self, memory_root: str, pids_root: str | None, v2: bool):
        self.memory_root, self.pids_root, self.v2 = memory_root, pids_root, v2
        self._n = 0

    def new_group(self, memory_bytes: int, pids: int) -> Group:
        self._n += 1
        name = f"child-{self._n}"
        mem = os.path.join(self.memory_root, name)
        os.mkdir(mem)
        pid_dir = None
        try:
            if self.v2:
                _write(os.path.join(mem, "memory.max"), memory_bytes)
                _write(os.path.join(mem, "memory.swap.max"), 0, optional=True)
                _write(os.path.join(mem, "pids.max"), pids, optional=True)
                pid_dir = mem
            else:
                _write(os.path.join(mem, "memory.limit_in_bytes"), memory_bytes)
                _write(os.path.join(mem, "memory.memsw.limit_in_bytes"), memory_bytes, optional=True)
                if self.pids_root:
                    pid_dir = os.path.join(self.pids_root, name)
                    os.mkdir(pid_dir)
                    _write(os.path.join(pid_dir, "pids.max"), pids)
        except OSError:
            Group(mem, pid_dir, self.v2).remove()
            raise
        return Group(mem, pid_dir, self.v2)

    def close(self) -> None:
        for root in {r for r in (self.memory_root, self.pids_root) if r is not None}:
            try:
                for entry in os.listdir(root):
                    if entry.startswith("child-"):
                        Group(os.path.join(root, entry), None, self.v2).remove()
                os.rmdir(root)
            except OSError:
                pass


def detect(tag: str) -> tuple[Controller | None, str]:
    """A controller for per-child groups, or ``(None, why not)``."""
    if os.geteuid() != 0:
        return None, "not running as root"
    mounts = _mounts()
    mine = _own_groups()
    v2_mount = mounts.get("cgroup2")
    if v2_mount and "" in mine:
        base = os.path.join(v2_mount, mine[""].lstrip("/"))
        controllers = _read(os.path.join(base, "cgroup.controllers")).split()
        if "memory" in controllers:
            ctl, why = _v2(base, tag)
            if ctl is not None:
                return ctl, ""
            v2_reason = why
        else:
            v2_reason = "cgroup v2 has no memory controller here"
    else:
        v2_reason = "no cgroup v2 hierarchy"
    mem_mount = mounts.get("memory")
    if mem_mount and "memory" in mine:
        try:
            mem_parent = os.path.join(mem_mount, mine["memory"].lstrip("/"))
            _sweep_stale(mem_parent)
            root = os.path.join(mem_parent, tag)
            os.makedirs(root, exist_ok=True)
            pids_root = None
            if mounts.get("pids") and "pids" in mine:
                pids_parent = os.path.join(mounts["pids"], mine["pids"].lstrip("/"))
                _sweep_stale(pids_parent)
                pids_root = os.path.join(pids_parent, tag)
                os.makedirs(pids_root, exist_ok=True)
            return Controller(root, pids_root, v2=False), ""
        except OSError as exc:
            return None, f"cgroup v1 not writable ({exc.strerror})"
    return None, v2_reason


def _sweep_stale(parent: str) -> None:
    """Remove the groups that zygotes killed before their close (a ``kill -9`` of a grading run)
    left under ``parent``: only those named for a process that no longer exists, and only once
    empty (``rmdir`` refuses a group that still holds a process)."""
    try:
        entries = os.listdir(parent)
    except OSError:
        return
    for entry in entries:
        head, _, pid = entry.partition("-")
        if head != "torchdrill" or not pid.isdigit() or _alive(int(pid)):
            continue
        top = os.path.join(parent, entry)
        try:
            for sub in os.listdir(top):
                if os.path.isdir(os.path.join(top, sub)):
                    Group(os.path.join(top, sub), None, False).remove()
            os.rmdir(top)
        except OSError:
            pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _v2(base: str, tag: str) -> tuple[Controller | None, str]:
    """cgroup v2: controllers are enabled only for a group without processes of its own, so this
    process first moves into a leaf of its own, then makes the parent for children beside it."""
    try:
        _sweep_stale(base)
        top = os.path.join(base, tag)
        os.makedirs(top, exist_ok=True)
        leaf = os.path.join(top, "self")
        os.makedirs(leaf, exist_ok=True)
        _write(os.path.join(leaf, "cgroup.procs"), os.getpid())
        _write(os.path.join(top, "cgroup.subtree_control"), "+memory +pids")
        return Controller(top, top, v2=True), ""
    except OSError as exc:
        return None, f"cgroup v2 not usable ({exc.strerror})"


def _mounts() -> dict[str, str]:
    """Mount points: ``cgroup2`` for the unified hierarchy, else the v1 controller names."""
    out: dict[str, str] = {}
    try:
        lines = _read("/proc/self/mountinfo").splitlines()
    except OSError:
        return out
    for line in lines:
        left, _, right = line.partition(" - ")
        parts, rparts = left.split(), right.split()
        if len(parts) < 5 or len(rparts) < 3:
            continue
        fstype, point = rparts[0], parts[4]
        if fstype == "cgroup2":
            out.setdefault("cgroup2", point)
        elif fstype == "cgroup":
            for opt in rparts[2].split(","):
                if opt in ("memory", "pids"):
                    out.setdefault(opt, point)
    return out


def _own_groups() -> dict[str, str]:
    """This process's group per hierarchy: ``""`` for v2, else the controller name."""
    out: dict[str, str] = {}
    for line in _read("/proc/self/cgroup").splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        if parts[1] == "":
            out[""] = parts[2]
        for c in parts[1].split(","):
            if c in ("memory", "pids"):
                out[c] = parts[2]
    return out


def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def _write(path: str, value: int | str, optional: bool = False) -> None:
    try:
        with open(path, "w") as f:
            f.write(str(value))
    except OSError:
        if not optional:
            raise


def _field(text: str, key: str) -> int:
    for line in text.splitlines():
        k, _, v = line.partition(" ")
        if k == key and v.strip().isdigit():
            return int(v)
    return 0
