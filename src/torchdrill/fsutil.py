"""File-system chores that a submission must not be able to break.

* :func:`remove_tree` removes a folder whatever a student left in it — a tree 3,000 levels deep
  (deeper than ``PATH_MAX`` and than Python's recursion limit), names that are not UTF-8, 255
  bytes long or full of control characters, read-only folders, sockets and FIFOs — without
  recursion and without ever raising: it returns what it could not remove.
* :func:`write_atomic` writes a file through a temporary file and a rename, with a short
  temporary name of its own (never derived from the target's name, which may already be
  255 bytes long), and never fails on text that is not valid Unicode.
* :func:`safe_file_name` maps any name a file system can hold to a short, printable one.
* :func:`walk_breadth_first` lists a submission the way staging reads it, breadth first, without
  following links and with a bounded depth, so that a deep or looping tree costs nothing.

How :func:`remove_tree` stays flat: it works through directory descriptors (``dir_fd``), and every
sub-folder it meets is first *moved up* to the top folder under a short fresh name, so each
folder it opens is one level below the top, and at most two descriptors are open at any time.
Links are never followed: a symbolic link is removed as a link.

Nothing here imports torch.
"""
from __future__ import annotations

import errno
import hashlib
import os
import stat
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def remove_tree(path: os.PathLike[str] | str) -> list[str]:
    """Remove ``path`` and everything under it, iteratively; never raises.

    Returns a list of problems (empty when everything is gone).  A missing ``path`` is not a
    problem.  A ``path`` that is a file or a symbolic link is simply unlinked."""
    problems: list[str] = []
    try:
        path = os.fspath(path)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return problems
        if not stat.S_ISDIR(st.st_mode):
            os.unlink(path)
            return problems
        top = os.open(path, _DIR_FLAGS)
    except Exception as exc:                       # any exception: the contract is "never raises"
        return [f"{_shown(path)}: {_why(exc)}"]
    try:
        _make_writable(top)
        _empty_flat(top, problems)
    except Exception as exc:
        problems.append(f"{_shown(path)}: {_why(exc)}")
    finally:
        os.close(top)
    try:
        os.rmdir(path)
    except FileNotFoundError:
        pass
    except Exception as exc:
        problems.append(f"{_shown(path)}: {_why(exc)}")
    return problems


def _empty_flat(top: int, problems: list[str]) -> None:
    """Empty the folder open as ``top``: its files go, its folders are hoisted and emptied in turn."""
    counter = 0
    queue: list[str | None] = [None]               # None: the top folder itself
    while queue:
        name = queue.pop()
        if name is None:
            fd = os.dup(top)
        else:
            try:
                fd = os.open(name, _DIR_FLAGS, dir_fd=top)
            except OSError as exc:
                if exc.errno in (errno.ENOTDIR, errno.ELOOP):      # replaced by a file or link meanwhile
                    _unlink(name, top, problems)
                elif exc.errno != errno.ENOENT:
                    problems.append(f"{_shown(name)}: {_why(exc)}")
                continue
        try:
            _make_writable(fd)
            with os.scandir(fd) as it:
                entries = [(e.name, _is_dir(e)) for e in it]
            for entry, is_dir in entries:
                if not is_dir:
                    _unlink(entry, fd, problems)
                    continue
                if name is None:                   # already one level below the top
                    queue.append(entry)
                    continue
                while True:                        # a fresh short name in the top folder
                    counter += 1
                    fresh = f".td-rm-{counter}"
                    try:
                        os.lstat(fresh, dir_fd=top)
                    except FileNotFoundError:
                        break
                try:
                    sub = os.open(entry, _DIR_FLAGS, dir_fd=fd)
                    try:
                        _make_writable(sub)                    # moving a folder rewrites its ".."
                    finally:
                        os.close(sub)
                    os.rename(entry, fresh, src_dir_fd=fd, dst_dir_fd=top)
                    queue.append(fresh)
                except OSError as exc:
                    problems.append(f"{_shown(entry)}: {_why(exc)}")
        except OSError as exc:
            problems.append(f"{_shown(name or '.')}: {_why(exc)}")
        finally:
            os.close(fd)
        if name is not None:
            # Its sub-folders were moved to the top (later in the queue); it is empty now.
            try:
                os.rmdir(name, dir_fd=top)
            except FileNotFoundError:
                pass
            except OSError as exc:
                problems.append(f"{_shown(name)}: {_why(exc)}")


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _unlink(name: str, dir_fd: int, problems: list[str]) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        try:
            os.rmdir(name, dir_fd=dir_fd)
        except OSError as exc:
            problems.append(f"{_shown(name)}: {_why(exc)}")
    except OSError as exc:
        problems.append(f"{_shown(name)}: {_why(exc)}")


def _make_writable(fd: int) -> None:
    """A folder its owner made read-only (0o500) cannot be emptied until it is writable again."""
    try:
        mode = os.fstat(fd).st_mode
        if mode & 0o700 != 0o700:
            os.fchmod(fd, stat.S_IMODE(mode) | 0o700)
    except OSError:
        pass                                       # not ours: removal will say what failed


def _why(exc: BaseException) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__


def _shown(name: os.PathLike[str] | str | bytes) -> str:
    from .safe_text import printable

    return printable(os.fsdecode(name) if isinstance(name, bytes) else str(name))[:200]


# --------------------------------------------------------------------------- walking

def is_ignored_name(name: str) -> bool:
    """A name staging passes over, file or folder: hidden (a leading dot) or Python's ``__pycache__``."""
    return name.startswith(".") or name == "__pycache__"


def walk_breadth_first(root: os.PathLike[str] | str, max_depth: int) -> Iterator[os.DirEntry[str]]:
    """Every entry below ``root``, breadth first, each folder's entries sorted by name.

    A folder is entered when it is a real folder (a symbolic link to one is listed, never
    entered), its name is not ignored (:func:`is_ignored_name`) and it lies fewer than
    ``max_depth`` levels below ``root``; a folder that cannot be listed is passed over.  Lazy: a
    caller that stops after N entries has listed no more folders than it needed."""
    queue = [(os.fspath(root), 0)]
    while queue:
        folder, depth = queue.pop(0)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            yield entry
            if depth < max_depth and not is_ignored_name(entry.name) and entry.is_dir(follow_symlinks=False):
                queue.append((entry.path, depth + 1))


# --------------------------------------------------------------------------- writing

def write_atomic(path: os.PathLike[str] | str, data: str | bytes, *, mode: int = 0o666, durable: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename, so a
    reader never sees half a file.  Text is UTF-8; a lone surrogate (a student's string that is
    not valid Unicode) is written as its ``\\udcXX`` escape instead of failing.  The file gets
    ``mode`` less the umask (``mkstemp`` alone would make it 0600).  ``durable``: on the disk
    (fsync) before the rename; a batch's result files need not be, since its run state holds
    the durable copy and every run rewrites a file that is missing or differs."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "backslashreplace")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".td-", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, mode & ~umask)
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


# --------------------------------------------------------------------------- names

#: Longest name :func:`safe_file_name` returns, in UTF-8 bytes: room for a suffix (``.json``,
#: ``.html``) and a prefix (``parent-``) within the 255 bytes of a file name.
MAX_NAME_BYTES = 100
_TAG = 8                                            # hex digits of the hash a mapped name ends with


def _name_bytes(name: os.PathLike[str] | str | bytes) -> bytes:
    if isinstance(name, bytes):
        return name
    return os.fsencode(os.fspath(name))


def is_safe_name(name: str, max_bytes: int = MAX_NAME_BYTES) -> bool:
    """A name kept as it is: valid UTF-8, printable (no control, format or bidi characters, no
    separators), not hidden (no leading dot), no leading or trailing space, short enough."""
    if not name or name in (".", "..") or name[0] in ". " or name[-1] == " ":
        return False
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:                     # a lone surrogate: bytes that were not UTF-8
        return False
    if size > max_bytes:
        return False
    return not any(ch in "/\\" or (unicodedata.category(ch)[0] in "CZ" and ch != " ") for ch in name)


def safe_file_name(name: os.PathLike[str] | str | bytes, max_bytes: int = MAX_NAME_BYTES) -> str:
    """Any name a file system can hold → a name safe in a file name, a CSV cell, a terminal.

    The rule: a name that :func:`is_safe_name` accepts is kept as it is.  Any other name is
    rebuilt: its bytes decoded as UTF-8 (bytes that are not UTF-8 become ``_``), every control,
    format, bidi, separator-like or white-space character but the plain space becomes ``_``,
    leading dots and spaces are dropped, the result is cut to fit, and ``-`` and the first 8 hex
    digits of the SHA-256 of the original bytes are appended.  So two names that differ only in
    what was replaced still get different names, and the same name always gets the same one."""
    raw = _name_bytes(name)
    text = os.fsdecode(raw)
    if is_safe_name(text, max_bytes):
        return text
    cleaned = raw.decode("utf-8", "replace").replace("\ufffd", "_")
    cleaned = "".join("_" if (ch in "/\\" or (unicodedata.category(ch)[0] in "CZ" and ch != " ")) else ch
                      for ch in cleaned)
    cleaned = cleaned.lstrip(". ").rstrip(" ")
    tag = hashlib.sha256(raw).hexdigest()[:_TAG]
    room = max_bytes - _TAG - 1
    cleaned = cleaned.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip(" ")
    return f"{cleaned}-{tag}" if cleaned else f"submission-{tag}"


__all__ = ["MAX_NAME_BYTES", "is_ignored_name", "is_safe_name", "remove_tree", "safe_file_name",
           "walk_breadth_first", "write_atomic"]
