"""The run state of a batch: ``DIR/.torchdrill-state.sqlite``, so that a stopped run resumes.

One row per submission, keyed by its name in DIR::

    name         DIR/<name>.json and the gradebook row; unique (ignoring case, for macOS/Windows)
    path         where it was graded from: the argument made absolute (symlinks not followed)
    fingerprint  a hash of the bytes grading reads (see :func:`fingerprint`)
    status       pending | done
    result       the SubmissionResult as JSON (results.SubmissionResult.to_dict), when done
    error        1 when grading itself broke (the result is a failed_result); retried next run
    gradings     how many results were committed for this row (1 after a clean run)
    finished_at  when the result was committed (UTC, ISO 8601)

The order that makes a kill at any moment (SIGKILL included) safe: a worker's result is first
committed here, in one transaction, together with ``status = done``; only then is
``DIR/<name>.json`` written (atomically).  A kill before the commit leaves the row pending and it
is graded again next run; a kill after it loses nothing, because every run rewrites each done
row's file from this table when it is missing or differs (:meth:`RunState.done_results`).
Nothing is counted twice: the gradebook is built from this table, one row per submission.

Names come from the run's arguments alone (:func:`assign_names`): ``display_name(path)``, and
when several arguments of one run share it, their parent folder's name in front
(``alice-ex07``), then a number (``ex07-2``), in argument order.  So the same command always
gives the same names, and a folder graded again from another place (a fresh download) is the
same submission, regraded only if its contents changed.  Every name is safe whatever the
argument's bytes (``display_name`` maps names that are not UTF-8, hold control characters or are
255 bytes long; see :func:`torchdrill.fsutil.safe_file_name`), and at most
``fsutil.MAX_NAME_BYTES`` long with its prefix, so ``DIR/<name>.json``, temporary files and
``feedback/<name>.html`` always fit in a file name.  A path that is not valid UTF-8 is kept as
its bytes (a BLOB) so that it can be opened again; text columns hold valid UTF-8 only (a result
holding a lone surrogate is stored with JSON's escapes).

The run's options (course, selected stubs and their points, device, language, torchdrill
version, and a hash of the graders and solutions of the selected chapters) are kept in
``meta``; a run with other options into the same DIR is refused unless ``--restart``.
A lock file stops two runs from writing into one DIR at the same time.

Nothing here imports torch.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import UsageError
from .fsutil import MAX_NAME_BYTES, is_ignored_name, safe_file_name, walk_breadth_first
from .safe_text import printable

if TYPE_CHECKING:
    from hashlib import _Hash

    from .course import Course

STATE_FILE = ".torchdrill-state.sqlite"
LOCK_FILE = ".torchdrill-state.lock"
SCHEMA = 2

# Bounds of what a fingerprint reads, the same as staging's (submission.py): larger files are
# skipped by grading, so their size stands for them.
_MAX_FILE_BYTES = 2 << 20
_MAX_ENTRIES = 5_000
_MAX_DEPTH = 3


# --------------------------------------------------------------------------- fingerprints

def fingerprint(path: Path) -> str:
    """A hash of what grading would read from ``path``: every ``.py``/``.ipynb`` file staging looks
    at (same depth and entry bounds), by relative name and bytes; a symlink by its target's name.
    Timestamps are not part of it: touching a file does not make a submission "changed"."""
    h = hashlib.sha256(b"torchdrill-fingerprint-1\0")
    path = Path(path)
    try:
        st = os.lstat(path)
    except OSError:
        h.update(b"missing")
        return h.hexdigest()
    if stat.S_ISDIR(st.st_mode):
        for seen, e in enumerate(walk_breadth_first(path, _MAX_DEPTH), 1):
            if seen > _MAX_ENTRIES:
                h.update(b"\0truncated")
                return h.hexdigest()
            if is_ignored_name(e.name):
                continue
            rel = os.path.relpath(e.path, path).encode("utf-8", "surrogateescape")
            if e.is_symlink():
                _update_link(h, rel, e.path)
            elif e.name.endswith((".py", ".ipynb")) and not e.is_dir(follow_symlinks=False):
                _update_file(h, rel, e.path)
    elif stat.S_ISLNK(st.st_mode):
        _update_link(h, b".", str(path))
    else:
        _update_file(h, b".", str(path))
    return h.hexdigest()


def _update_link(h: _Hash, rel: bytes, path: str) -> None:
    try:
        target = os.readlink(path).encode("utf-8", "surrogateescape")
    except OSError:
        target = b"?"
    h.update(b"L\0" + rel + b"\0" + target + b"\0")


def _update_file(h: _Hash, rel: bytes, path: str) -> None:
    h.update(b"F\0" + rel + b"\0")
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            h.update(b"not-regular\0")
            return
        if st.st_size > _MAX_FILE_BYTES:
            h.update(b"too-large:%d\0" % st.st_size)
            return
        with open(path, "rb") as f:
            data = f.read(_MAX_FILE_BYTES + 1)
    except OSError as exc:
        h.update(b"unreadable:%d\0" % (exc.errno or 0))
        return
    h.update(b"%d\0" % len(data))
    h.update(data)


def grading_fingerprint(course: Course, chapters: Iterable[str]) -> str:
    """A hash of the graders and solutions of ``chapters``: results graded before they changed
    are not comparable with results graded after."""
    h = hashlib.sha256(b"torchdrill-graders-1\0")
    for ch in chapters:
        for p in (course.graders_dir / f"test_{ch}.py", course.solutions_dir / f"{ch}.py"):
            h.update(str(p.name).encode() + b"\0")
            try:
                h.update(p.read_bytes())
            except OSError:
                h.update(b"\0missing")
    return h.hexdigest()


def run_options(course: Course, *, only: str | None, device: str, lang: str) -> dict[str, Any]:
    """The options a DIR's results were graded with; two runs into one DIR must agree on all."""
    from . import __version__

    selected = course.select(only)
    return {
        "course": str(Path(course.root).resolve() / "course.yml"),
        "only": only or "",
        "stubs": {c.qualname(s): float(c.stubs[s]) for c, ss in selected for s in ss},
        "device": device,
        "lang": lang,
        "torchdrill": __version__,
        "graders": grading_fingerprint(course, [c.id for c, _ in selected]),
    }


def _describe_changes(old: dict[str, Any], new: dict[str, Any]) -> str:
    def shown(key: str, value: Any) -> str:
        return (value or "(all)") if key == "only" else str(value)

    parts = []
    for key, label in (("course", "--course"), ("only", "--only"), ("device", "--device"), ("lang", "--lang"),
                       ("torchdrill", "torchdrill version")):
        if old.get(key) != new.get(key):
            parts.append(f"{label}: {shown(key, old.get(key))} → {shown(key, new.get(key))}")
    if old.get("stubs") != new.get("stubs") and old.get("only") == new.get("only"):
        parts.append("stubs or points in course.yml changed")
    if old.get("graders") != new.get("graders"):
        parts.append("graders or solutions changed")
    return "; ".join(parts) or "unknown differences"


# --------------------------------------------------------------------------- names

def _safe(name: str) -> str:
    """A name (or a combination of names) that fits: already safe names stay; others are mapped."""
    return safe_file_name(name or "submission", MAX_NAME_BYTES)


def _db_path(path: str) -> str | bytes:
    """A path as SQLite can store it: text when it is valid Unicode, else its bytes."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path)


def _from_db_path(value: str | bytes) -> str:
    return os.fsdecode(value) if isinstance(value, bytes) else value


def _json_text(obj: Any) -> str:
    """JSON for a TEXT column: readable (non-ASCII kept) unless a lone surrogate forces escapes."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(obj, ensure_ascii=True, sort_keys=True)
    return text


def _key(name: str) -> str:
    return name.casefold()       # DIR may be on a case-insensitive file system (macOS, Windows)


def assign_names(paths: list[Path]) -> tuple[list[tuple[str, str]], list[str]]:
    """(name, absolute path) for each distinct argument, in order, and notes for the user.

    A name is ``display_name(path)``; arguments of this run that share one (ignoring case) are
    told apart by their parent folder's name in front (``alice-ex07``, ``bob-ex07``), then by a
    number in argument order (``ex07-2``).  Nothing but the arguments decides: the same command
    gives the same names."""
    from .submission import display_name

    notes: list[str] = []
    keyed: dict[str, Path] = {}
    for p in paths:
        key = os.path.abspath(p)
        if key in keyed:
            notes.append(f"{printable(p)}: given twice; graded once")
        else:
            keyed[key] = Path(key)
    base = {k: _safe(display_name(p)) for k, p in keyed.items()}
    count: dict[str, int] = {}
    for b in base.values():
        count[_key(b)] = count.get(_key(b), 0) + 1
    plain = {_key(b) for b in base.values() if count[_key(b)] == 1}
    taken = set(plain)
    out: list[tuple[str, str]] = []
    renamed: dict[str, list[tuple[str, str]]] = {}
    for k, p in keyed.items():
        b = name = base[k]
        if count[_key(b)] > 1:
            parent = _safe(p.parent.name) if p.parent.name else ""
            name = _safe(f"{parent}-{b}") if parent else b
            n = 2
            while _key(name) in taken:
                name = f"{b}-{n}"
                n += 1
            renamed.setdefault(b, []).append((name, printable(p)))
        taken.add(_key(name))
        out.append((name, k))
    for b, pairs in renamed.items():
        notes.append(f"{len(pairs)} submissions are named {b!r}; they are graded as "
                     + ", ".join(f"{n} ({p})" for n, p in pairs))
    return out, notes


@dataclass
class Row:
    name: str
    path: str
    fingerprint: str
    status: str
    error: bool
    gradings: int
    result: dict[str, Any] | None
    finished_at: str | None
    order: int


# --------------------------------------------------------------------------- the state

class RunState:
    """The state of one DIR.  Open with :meth:`open` (takes the lock), close with :meth:`close`."""

    def __init__(self, out: Path, db: sqlite3.Connection, lock_fd: int | None):
        self.out = out
        self.db = db
        self._lock_fd = lock_fd

    # ---- lifecycle
    @classmethod
    def open(cls, out: Path) -> RunState:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        lock_fd = _lock(out)
        try:
            db = sqlite3.connect(out / STATE_FILE, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            # WAL with synchronous=NORMAL: a commit survives any kill of this process (what
            # resuming needs); only a power loss can roll back the last few, which are then
            # graded again, never counted twice.  FULL would fsync every result (~8 ms each).
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript("""
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS submissions (
                    name TEXT PRIMARY KEY COLLATE NOCASE,
                    path TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending', 'done')),
                    result TEXT,
                    error INTEGER NOT NULL DEFAULT 0,
                    gradings INTEGER NOT NULL DEFAULT 0,
                    finished_at TEXT,
                    ord INTEGER NOT NULL DEFAULT 0
                );
            """)
            schema = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if schema is None:
                db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA),))
            elif schema[0] != str(SCHEMA):
                raise UsageError(f"{out}: its run state was written by another torchdrill version "
                                 f"(schema {schema[0]}); use a new --out folder or --restart")
        except sqlite3.DatabaseError as exc:
            _unlock(lock_fd)
            raise UsageError(f"{out / STATE_FILE}: cannot be read as a run state ({exc}); "
                             "use a new --out folder or --restart") from None
        except BaseException:
            _unlock(lock_fd)
            raise
        return cls(out, db, lock_fd)

    def close(self) -> None:
        try:
            self.db.close()
        finally:
            _unlock(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> RunState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def wipe(out: Path) -> list[str]:
        """--restart: forget the state of DIR and remove the result files it wrote.  Returns the
        names whose files were removed.  Must be called before :meth:`open` (it takes the lock)."""
        out = Path(out)
        if not (out / STATE_FILE).exists():
            return []
        lock_fd = _lock(out)
        names: list[str] = []
        try:
            try:
                db = sqlite3.connect(out / STATE_FILE, timeout=30)
                names = [r[0] for r in db.execute("SELECT name FROM submissions")]
                db.close()
            except sqlite3.DatabaseError:
                pass
            for name in names:
                try:
                    os.unlink(out / f"{name}.json")
                except FileNotFoundError:
                    pass
            for suffix in ("", "-wal", "-shm"):
                try:
                    os.unlink(out / (STATE_FILE + suffix))
                except FileNotFoundError:
                    pass
            try:
                os.unlink(out / "gradebook.csv")
            except FileNotFoundError:
                pass
        finally:
            _unlock(lock_fd)
        return names

    # ---- options
    def check_options(self, options: dict[str, Any], out_shown: str) -> None:
        """Record the run's options, or refuse when DIR holds results graded with others.  While
        nothing is graded yet (a run that stopped at once, e.g. ``--device cuda`` on a machine
        without one), other options simply replace the recorded ones."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'options'").fetchone()
        graded = self.db.execute("SELECT 1 FROM submissions WHERE status = 'done' LIMIT 1").fetchone()
        if row is None or not graded:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('options', ?)",
                            (json.dumps(options, sort_keys=True),))
            return
        old = json.loads(row[0])
        if old != options:
            raise UsageError(f"{out_shown} holds results graded with other options ({_describe_changes(old, options)});"
                             f" use a new --out folder or --restart")

    # ---- submissions
    def register(self, paths: list[Path]) -> tuple[list[Row], list[str]]:
        """Add the run's submissions (in argument order) under their names, mark the changed ones
        (and those whose grading failed last time) pending.  Returns (rows in argument order,
        notes for the user)."""
        named, notes = assign_names(paths)
        prints = {name: fingerprint(Path(path)) for name, path in named}
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            next_ord = db.execute("SELECT COALESCE(MAX(ord), 0) FROM submissions").fetchone()[0] + 1
            changed, moved = 0, []
            for name, path in named:
                cur = db.execute("SELECT name, path, fingerprint, status, error FROM submissions WHERE name = ?",
                                 (name,)).fetchone()
                if cur is None:
                    db.execute("INSERT INTO submissions (name, path, fingerprint, status, ord) "
                               "VALUES (?, ?, ?, 'pending', ?)", (name, _db_path(path), prints[name], next_ord))
                    next_ord += 1
                    continue
                if cur[0] != name:           # the same name in another case (one file on macOS): regrade
                    db.execute("UPDATE submissions SET name = ?, status = 'pending' WHERE name = ?", (name, cur[0]))
                if _from_db_path(cur[1]) != path:
                    moved.append(f"{name}: graded from {printable(path)} now (was {printable(_from_db_path(cur[1]))})")
                    db.execute("UPDATE submissions SET path = ? WHERE name = ?", (_db_path(path), name))
                if cur[2] != prints[name]:
                    db.execute("UPDATE submissions SET fingerprint = ?, status = 'pending' WHERE name = ?",
                               (prints[name], name))
                    changed += cur[3] == "done"
                elif cur[4]:                 # grading itself failed last time: try again
                    db.execute("UPDATE submissions SET status = 'pending' WHERE name = ?", (name,))
            notes += moved[:20] + ([f"… and {len(moved) - 20} more moved"] if len(moved) > 20 else [])
            if changed:
                notes.append(f"{changed} submission{'s' if changed != 1 else ''} changed since graded; "
                             "graded again")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return [self.row(name) for name, _ in named], notes

    _COLUMNS = "name, path, fingerprint, status, error, gradings, result, finished_at, ord"

    def row(self, name: str) -> Row:
        return _row(self.db.execute(f"SELECT {self._COLUMNS} FROM submissions WHERE name = ?", (name,)).fetchone())

    def rows(self) -> list[Row]:
        return [_row(r) for r in self.db.execute(f"SELECT {self._COLUMNS} FROM submissions")]

    def finish(self, name: str, fingerprint_: str, result: dict[str, Any], *, error: bool) -> bool:
        """Commit one result, in one transaction.  False (and nothing written) when the row is not
        pending with this fingerprint any more (then the result is stale and must not count)."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            cur = db.execute(
                "UPDATE submissions SET status = 'done', result = ?, error = ?, gradings = gradings + 1, "
                "finished_at = ? WHERE name = ? AND status = 'pending' AND fingerprint = ?",
                (_json_text(result), int(error),
                 time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), name, fingerprint_))
            updated = cur.rowcount == 1
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return updated

    def done_results(self) -> list[tuple[str, dict[str, Any], bool]]:
        """(name, result dict, error) of every done row, sorted by name."""
        out = []
        for name, result, error in self.db.execute(
                "SELECT name, result, error FROM submissions WHERE status = 'done' ORDER BY name COLLATE BINARY"):
            out.append((name, json.loads(result), bool(error)))
        return out


def _row(r: tuple[Any, ...]) -> Row:
    return Row(name=r[0], path=_from_db_path(r[1]), fingerprint=r[2], status=r[3], error=bool(r[4]), gradings=r[5],
               result=json.loads(r[6]) if r[6] else None, finished_at=r[7], order=r[8])


# --------------------------------------------------------------------------- the lock

def _lock(out: Path) -> int | None:
    try:
        import fcntl
    except ImportError:          # not POSIX: no lock (two runs into one DIR are then the user's risk)
        return None
    fd = os.open(out / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise UsageError(f"{out}: another torchdrill run is grading into this folder; wait for it to finish "
                         "or use another --out folder") from None
    return fd


def _unlock(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)           # closing the descriptor releases the flock
