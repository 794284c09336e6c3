"""Operating-system confinement for the processes that run student code.

Two layers, both set up by trusted code before any student code runs:

* ``build_jail`` (once per zygote, as root): a private mount namespace and an empty network
  namespace, and a tmpfs "jail" holding read-only binds of the system directories, the
  interpreter and its site-packages, plus the scratch folder (read-only: staged submissions).
  The course (solutions, hidden graders, tests, .git), /root, /home and every other submission
  are simply not in it.
* ``confine`` (in every forked child): its own session and process group, its memory and pids
  cgroups, chroot into the jail, a private /tmp, /dev/shm and working folder (tmpfs, capped in
  bytes and inodes, charged to its memory cgroup and gone with it: nothing it writes reaches the
  host's disk), resource limits, no new privileges, and a drop to a uid of its own, so that
  children cannot signal, trace or read each other.

Everything degrades gracefully: without root (or without namespaces) the child still gets its
session, rlimits and process-group kill, and the result says isolation was reduced.
"""
from __future__ import annotations

import ctypes
import os
import resource
from collections.abc import Callable, Sequence
from dataclasses import dataclass

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
CLONE_NEWIPC = 0x08000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS = 38
PR_SET_DUMPABLE = 4
PR_SET_PDEATHSIG = 1

#: First uid handed to sandboxed children; each child gets ``UID_BASE + its pid``.
UID_BASE = 1 << 30

_SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin", "/etc")

_libc = ctypes.CDLL(None, use_errno=True)


def _check(rc: int, what: str) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(src: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(_c(src), _c(target), _c(fstype), ctypes.c_ulong(flags), _c(data)), f"mount {target}")


def _c(s: str | None) -> bytes | None:
    """A C string argument (NULL for None)."""
    return s.encode() if s is not None else None


def unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def prctl(option: int, arg: int) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0), "prctl")


def _bind(src: str, target: str, *, readonly: bool, recursive: bool = False) -> None:
    _mount(src, target, None, MS_BIND | (MS_REC if recursive else 0))
    if readonly:
        _mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _mkdirs(jail: str, path: str, *, is_dir: bool = True) -> str:
    """Create ``path`` inside the jail (parents 0755, so /root-like ancestors are traversable)."""
    target = jail + path
    parent = os.path.dirname(target) if not is_dir else target
    os.makedirs(parent, mode=0o755, exist_ok=True)
    if not is_dir and not os.path.exists(target):
        open(target, "w").close()
    return target


def _covered(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


@dataclass(frozen=True)
class Jail:
    root: str            # the jail directory (inside the zygote's mount namespace)
    scratch: str         # the host scratch folder, seen as /sandbox inside the jail
    tmp_binds: tuple[str, ...] = ()   # read-only binds under /tmp (a venv there): kept over a child's own /tmp


def can_isolate() -> bool:
    return os.geteuid() == 0


#: Where the scratch folder appears inside the jail (read-only: the staged submissions).
JAIL_SCRATCH = "/sandbox"
#: A child's own working folder inside the jail: a tmpfs of its mount namespace.
JAIL_WORK = "/home/student"


def build_jail(jail: str, readonly: Sequence[str], scratch: str, hide: Sequence[str] = ()) -> Jail:
    """Enter a private mount + network namespace and lay out the jail; needs root.

    ``readonly`` are extra paths (interpreter prefix, site-packages, the engine) bound read-only
    at the same absolute path; ``scratch`` (a host folder) is bound read-write at ``/sandbox``.
    """
    unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    os.makedirs(jail, mode=0o755, exist_ok=True)
    _mount("tmpfs", jail, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=8m")
    bound: list[str] = []
    for d in _SYSTEM_DIRS:
        if os.path.islink(d):
            os.symlink(os.readlink(d), jail + d)
        elif os.path.isdir(d):
            _bind(d, _mkdirs(jail, d), readonly=True, recursive=True)
            bound.append(d)
    _bind("/dev", _mkdirs(jail, "/dev"), readonly=False, recursive=True)
    _mount("tmpfs", jail + "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=64m")
    # A procfs of its own that hides other users' processes: every child has a uid of its own,
    # so it sees only itself (not the host's command lines, which name submissions).
    _mount("proc", _mkdirs(jail, "/proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2")
    os.makedirs(jail + "/tmp", exist_ok=True)
    for p in sorted({os.path.realpath(p) for p in readonly if os.path.exists(p)}, key=len):
        if _covered(p, bound):
            continue
        _bind(p, _mkdirs(jail, p, is_dir=os.path.isdir(p)), readonly=True, recursive=True)
        bound.append(p)
    _bind(scratch, _mkdirs(jail, JAIL_SCRATCH), readonly=True)
    if any(_covered(p, [JAIL_WORK]) for p in bound):
        raise OSError(f"{JAIL_WORK} would hide files the interpreter needs")
    _mkdirs(jail, JAIL_WORK)                  # each child mounts its own tmpfs here
    for p in hide:  # secrets that a read-only bind above happened to include
        target = jail + os.path.realpath(p)
        if os.path.isdir(target):
            _mount("tmpfs", target, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0555,size=4k")
    _mount(None, jail, None, MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_RDONLY, "mode=0755,size=8m")
    return Jail(root=jail, scratch=scratch, tmp_binds=tuple(p for p in bound if _covered(p, ["/tmp"])))


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int       # RLIMIT_CPU soft limit: SIGXCPU there (the zygote moves it before each call)
    cpu_hard: int          # RLIMIT_CPU hard limit for the child's whole life: SIGKILL there
    memory_bytes: int      # RLIMIT_AS, absolute
    file_bytes: int        # RLIMIT_FSIZE: caps output files and anything else it writes
    nproc: int             # RLIMIT_NPROC for the child's own uid
    disk_bytes: int = 64 << 20     # each of its writable tmpfs folders (/work, /tmp, /dev/shm)
    inodes: int = 2048             # files and folders in each of them


def _tmpfs(target: str, limits: Limits, *, noexec: bool, uid: int | None = None, mode: str = "1777") -> None:
    owner = f",uid={uid},gid={uid}" if uid is not None else ""
    _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | (MS_NOEXEC if noexec else 0),
           f"mode={mode},size={limits.disk_bytes},nr_inodes={limits.inodes}{owner}")


def confine(jail: Jail | None, workdir: str, limits: Limits, join: Callable[[], None] | None = None) -> int | None:
    """Called in the freshly forked child, as root when available. Returns the uid dropped to.

    ``join`` (as root, before anything else) puts the child into its cgroups.  With a jail the
    child works in :data:`JAIL_WORK`; without one, in ``workdir`` (a host folder)."""
    os.setsid()
    if join is not None:
        join()
    uid = None
    if jail is not None:
        uid = UID_BASE + os.getpid()
        os.chroot(jail.root)
        unshare(CLONE_NEWNS | CLONE_NEWIPC)   # a /tmp, /dev/shm, /work and IPC of its own, gone with it
        keep = [(p, os.open(p, os.O_PATH)) for p in jail.tmp_binds]    # e.g. a venv that lives in /tmp
        _tmpfs("/tmp", limits, noexec=False)
        for path, fd in keep:
            os.makedirs(path, mode=0o755, exist_ok=True)
            _bind(f"/proc/self/fd/{fd}", path, readonly=True, recursive=True)
            os.close(fd)
        _tmpfs("/dev/shm", limits, noexec=True)
        _tmpfs(JAIL_WORK, limits, noexec=True, uid=uid, mode="0700")
        workdir = JAIL_WORK
    os.chdir(workdir)
    os.umask(0o077)
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_hard))
    for res, value in (
        (resource.RLIMIT_AS, limits.memory_bytes),
        (resource.RLIMIT_FSIZE, limits.file_bytes),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NPROC, limits.nproc),
    ):
        resource.setrlimit(res, (value, value))
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    prctl(PR_SET_PDEATHSIG, 9)    # after the uid change, which clears it: die with the zygote
    return uid


def vm_size_bytes() -> int:
    """The current address-space size of this process (VmSize)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


