"""What travels to a worker, as bytes: the course (once per worker) and each submission.

Workers share no file system with the client.  A course bundle holds ``course.yml`` and the
``graders/`` and ``solutions/`` trees; its fingerprint names it, so a worker unpacks it once and
every task of the run finds it by that name.  A submission bundle holds exactly what staging
(submission.py) would look at, so that staging the unpacked copy on a worker gives what staging
the original gives on the client: the same entries in the same order (files staging never reads
travel empty), symbolic links as links, FIFOs as FIFOs, files over the size bound as sparse files
of their size, files with several names as files with several names.  Nothing is followed out of
the submission's folder.
"""
from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ..fsutil import walk_breadth_first
from ..submission import MAX_DEPTH, MAX_ENTRIES, MAX_FILE_BYTES

_CANDIDATE = (".py", ".ipynb")


# --------------------------------------------------------------------------- the course

@dataclass(frozen=True)
class CourseBundle:
    fingerprint: str
    files: tuple[tuple[str, bytes], ...]      # (path relative to the course root, bytes)

    def unpack(self, into: Path) -> Path:
        """Write the course under ``into`` (once: an unpacked copy is reused) and return its root."""
        root = Path(into) / f"torchdrill-course-{self.fingerprint[:24]}"
        done = root / ".complete"
        if done.exists():
            return root
        tmp = Path(into) / f".{root.name}-{os.getpid()}"
        for rel, data in self.files:
            dest = tmp / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        (tmp / ".complete").write_bytes(b"")
        os.chmod(tmp, 0o700)        # graders and solutions: readable by the worker alone
        try:
            os.rename(tmp, root)
        except OSError:             # another worker of this host unpacked it first
            from ..fsutil import remove_tree

            remove_tree(tmp)
        return root


def course_bundle(course) -> CourseBundle:
    """The course's grading files: course.yml, graders/ and solutions/ (no caches, no hidden files)."""
    root = Path(course.root)
    files: list[tuple[str, bytes]] = [("course.yml", (root / "course.yml").read_bytes())]
    for top in ("graders", "solutions"):
        base = root / top
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
            for f in sorted(filenames):
                if f.startswith(".") or f.endswith(".pyc"):
                    continue
                p = Path(dirpath) / f
                if p.is_file():
                    files.append((p.relative_to(root).as_posix(), p.read_bytes()))
    h = hashlib.sha256(b"torchdrill-course-bundle-1\0")
    for rel, data in files:
        h.update(rel.encode() + b"\0%d\0" % len(data) + data)
    return CourseBundle(h.hexdigest(), tuple(files))


# --------------------------------------------------------------------------- a submission

# One entry: (relative path as bytes, kind, payload).  Kinds: "dir", "file" (payload: bytes),
# "empty" (never read by staging), "big" (payload: size), "link" (payload: target bytes),
# "fifo", "other", "linked" (payload: bytes; the file has another name, which staging refuses).
Entry = tuple[bytes, str, bytes | int | None]


def submission_bundle(path: Path) -> tuple[bytes, tuple[Entry, ...]]:
    """(the submission's own name, its entries) as staging would see them."""
    path = Path(path)
    name = os.fsencode(path.name or path.resolve().name or "submission")
    try:
        st = os.lstat(path)
    except OSError:
        return name, ((b".", "missing", None),)
    if stat.S_ISDIR(st.st_mode):
        entries: list[Entry] = [(b".", "dir", None)]
        for seen, e in enumerate(walk_breadth_first(path, MAX_DEPTH), 1):
            if seen > MAX_ENTRIES + 1:             # staging stops at MAX_ENTRIES: one more tells it so
                break
            rel = os.fsencode(os.path.relpath(e.path, path))
            if e.is_dir(follow_symlinks=False):
                entries.append((rel, "dir", None))
            else:
                read = e.name.endswith(_CANDIDATE) and not e.name.startswith(".")
                entries.append(_entry(rel, e.path, read))
        return name, tuple(entries)
    return name, (_entry(b".", str(path), True),)


def _entry(rel: bytes, path: str, read: bool) -> Entry:
    try:
        st = os.lstat(path)
    except OSError:
        return rel, "missing", None
    if stat.S_ISLNK(st.st_mode):
        try:
            return rel, "link", os.fsencode(os.readlink(path))
        except OSError:
            return rel, "missing", None
    if stat.S_ISFIFO(st.st_mode):
        return rel, "fifo", None
    if not stat.S_ISREG(st.st_mode):
        return rel, "other", None
    if not read:
        return rel, "empty", None
    if st.st_size > MAX_FILE_BYTES:
        return rel, "big", st.st_size
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError:
        return rel, "missing", None
    return rel, "linked" if st.st_nlink > 1 else "file", data


def unpack_submission(bundle: tuple[bytes, tuple[Entry, ...]], into: Path) -> Path:
    """Recreate a submission under ``into`` (an empty folder of the worker's); returns its path."""
    name, entries = bundle
    into = Path(into)
    into.mkdir(parents=True, exist_ok=True)
    root = into / os.fsdecode(name)
    extra = into / ".other-names"
    for i, (rel, kind, payload) in enumerate(entries):
        dest = root if rel == b"." else root / os.fsdecode(rel)
        if kind == "dir":
            dest.mkdir(parents=True, exist_ok=True)
        elif kind in ("file", "linked", "empty"):
            dest.write_bytes(payload if isinstance(payload, bytes) else b"")
            if kind == "linked":                  # a second name outside the submission
                extra.mkdir(exist_ok=True)
                os.link(dest, extra / str(i))
        elif kind == "big":
            with open(dest, "wb") as f:
                f.truncate(int(payload or 0))
        elif kind == "link":
            os.symlink(payload if isinstance(payload, bytes) else b"?", dest)
        elif kind == "fifo":
            os.mkfifo(dest)
        elif kind == "other":
            os.mkfifo(dest)                       # not a regular file either: staging skips it alike
    return root
