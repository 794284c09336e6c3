"""state: the run state of a batch (what test_batch.py's unit tests leave out: restart, a state
from elsewhere, paths and results that are not valid Unicode, the fingerprint's bounds, the options)."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from torchdrill import __version__
from torchdrill.course import Course, load_course
from torchdrill.errors import UsageError
from torchdrill.state import (
    LOCK_FILE,
    STATE_FILE,
    RunState,
    _describe_changes,
    fingerprint,
    grading_fingerprint,
    run_options,
)

ROOT = Path(__file__).resolve().parents[1]
RESULT = {"submission": "a", "checks": []}


@pytest.fixture(scope="module")
def course() -> Course:
    return load_course(ROOT / "course.yml")


def _file(path: Path, text: str = "x = 1\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --------------------------------------------------------------------------- fingerprints

def test_fingerprint_reads_what_staging_reads_and_nothing_else(tmp_path: Path) -> None:
    d = tmp_path / "sub"
    _file(d / "ex01_tensors.py")
    first = fingerprint(d)
    _file(d / ".hidden.py", "secret")                  # staging skips dot files and caches
    _file(d / "__pycache__" / "x.py", "cache")
    _file(d / "a" / "b" / "c" / "d" / "too_deep.py")    # deeper than staging looks
    assert fingerprint(d) == first
    _file(d / "a" / "b" / "near.py")
    assert fingerprint(d) != first


def test_fingerprint_of_a_link_is_its_target_name(tmp_path: Path) -> None:
    d = tmp_path / "sub"
    _file(d / "ex01_tensors.py")
    os.symlink("/etc/passwd", d / "link.py")
    first = fingerprint(d)
    os.unlink(d / "link.py")
    os.symlink("/etc/hostname", d / "link.py")
    assert fingerprint(d) != first
    lone = tmp_path / "lone.py"
    os.symlink("/nonexistent", lone)
    assert fingerprint(lone) == fingerprint(lone) != fingerprint(tmp_path / "missing")


def test_fingerprint_of_a_large_file_is_its_size(tmp_path: Path) -> None:
    big = tmp_path / "big.py"
    with open(big, "wb") as f:
        f.truncate((2 << 20) + 1)
    first = fingerprint(big)
    with open(big, "r+b") as f:                          # same size, other bytes: grading skips it anyway
        f.write(b"changed")
    assert fingerprint(big) == first
    with open(big, "ab") as f:
        f.write(b"x")
    assert fingerprint(big) != first


# --------------------------------------------------------------------------- options

def test_run_options_name_every_selected_stub_with_its_points(course: Course) -> None:
    chapter = course.chapters[0]
    opts = run_options(course, only=chapter.id, device="cpu", lang="ko")
    assert opts["stubs"] == {chapter.qualname(s): float(p) for s, p in chapter.stubs.items()}
    assert opts["only"] == chapter.id and opts["device"] == "cpu" and opts["lang"] == "ko"
    assert opts["torchdrill"] == __version__
    assert opts["course"] == str(ROOT.resolve() / "course.yml")
    everything = run_options(course, only=None, device="cpu", lang="ko")
    assert list(everything["stubs"]) == course.qualnames() and everything["only"] == ""


def test_grading_fingerprint_follows_the_graders_and_solutions(tmp_path: Path, course: Course) -> None:
    copy = course.model_copy(update={"root": tmp_path})
    chapter = course.chapters[0].id
    _file(tmp_path / "graders" / f"test_{chapter}.py", "grader v1")
    _file(tmp_path / "solutions" / f"{chapter}.py", "solution")
    first = grading_fingerprint(copy, [chapter])
    assert grading_fingerprint(copy, [chapter]) == first
    _file(tmp_path / "graders" / f"test_{chapter}.py", "grader v2")
    assert grading_fingerprint(copy, [chapter]) != first
    assert grading_fingerprint(copy, []) != first
    os.unlink(tmp_path / "solutions" / f"{chapter}.py")    # a missing file is part of the hash too
    assert grading_fingerprint(copy, [chapter]) not in (first, grading_fingerprint(copy, []))


def test_describe_changes_names_each_option_that_differs() -> None:
    old = {"course": "c", "only": "", "device": "cpu", "lang": "en", "torchdrill": "1", "stubs": {"a": 1},
           "graders": "g"}
    assert _describe_changes(old, old) == "unknown differences"
    new = old | {"only": "ex01_tensors", "device": "cuda", "graders": "h"}
    text = _describe_changes(old, new)
    assert "--only: (all) → ex01_tensors" in text and "--device: cpu → cuda" in text
    assert "graders or solutions changed" in text
    assert "stubs or points" not in text             # --only changed: of course the stubs differ
    assert _describe_changes(old, old | {"stubs": {"a": 2}}) == "stubs or points in course.yml changed"


# --------------------------------------------------------------------------- the state file

def test_done_results_are_sorted_by_name_and_wipe_removes_what_the_run_wrote(tmp_path: Path) -> None:
    out = tmp_path / "out"
    paths = [_file(tmp_path / f"{n}.py") for n in ("carol", "alice", "Bob")]
    with RunState.open(out) as st:
        rows, _ = st.register(paths)
        assert [r.name for r in rows] == ["carol", "alice", "Bob"]          # argument order
        assert [r.order for r in rows] == [1, 2, 3]
        for r in rows:
            assert st.finish(r.name, r.fingerprint, RESULT | {"submission": r.name}, error=r.name == "alice")
        done = st.done_results()
        assert [n for n, _, _ in done] == ["Bob", "alice", "carol"]         # by name, byte order
        assert [e for _, _, e in done] == [False, True, False]
        assert done[0][1]["submission"] == "Bob"
        assert all(r.finished_at and r.finished_at.endswith("Z") for r in st.rows())
    for r in rows:
        _file(out / f"{r.name}.json", "{}")
    _file(out / "gradebook.csv", "")
    _file(out / "mine.json", "{}")                                       # not the run's: stays
    assert sorted(RunState.wipe(out)) == ["Bob", "alice", "carol"]
    assert sorted(p.name for p in out.iterdir()) == sorted([LOCK_FILE, "mine.json"])
    assert RunState.wipe(out) == []                                      # nothing left to forget


def test_a_state_from_another_version_or_not_a_state_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    RunState.open(out).close()
    db = sqlite3.connect(out / STATE_FILE)
    db.execute("UPDATE meta SET value = '999' WHERE key = 'schema'")
    db.commit()
    db.close()
    for _ in range(2):                                                   # the lock is released each time
        with pytest.raises(UsageError, match=r"another torchdrill version \(schema 999\).*--restart"):
            RunState.open(out)
    garbage = tmp_path / "garbage"
    _file(garbage / STATE_FILE, "this is not a database" * 100)
    for _ in range(2):
        with pytest.raises(UsageError, match="cannot be read as a run state"):
            RunState.open(garbage)
    for folder in (out, garbage):                                        # --restart gets out of both
        RunState.wipe(folder)
        RunState.open(folder).close()


def test_paths_and_results_that_are_not_valid_unicode_survive(tmp_path: Path) -> None:
    odd = os.fsdecode(b"sub-\xff\xfe")
    path = _file(tmp_path / odd / "ex01_tensors.py")
    result = RESULT | {"text": "lone surrogate \udcff here", "ko": "한국어"}
    with RunState.open(tmp_path / "out") as st:
        (row,), _ = st.register([path.parent])
        assert row.path == str(path.parent)                              # kept as its bytes
        assert st.finish(row.name, row.fingerprint, result, error=False)
        ((name, back, _),) = st.done_results()
        assert back == result and name == row.name
        assert st.row(row.name).path == str(path.parent)
    text = sqlite3.connect(tmp_path / "out" / STATE_FILE).execute("SELECT result FROM submissions").fetchone()[0]
    assert "\\udcff" in text                                             # escaped, never invalid UTF-8


def test_a_failed_transaction_leaves_nothing_behind(tmp_path: Path) -> None:
    path = _file(tmp_path / "a.py")
    with RunState.open(tmp_path / "out") as st:
        (row,), _ = st.register([path])
        with pytest.raises(TypeError):
            st.finish(row.name, row.fingerprint, {"not json": object()}, error=False)
        assert st.row(row.name).status == "pending"
        assert st.finish(row.name, row.fingerprint, RESULT, error=False)   # and the state still works
