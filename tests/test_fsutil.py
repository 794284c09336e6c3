"""fsutil: removing what a student left behind, atomic writes, safe names (issue 11, part 3)."""
from __future__ import annotations

import itertools
import os
import sys

import pytest

from torchdrill import fsutil, safe_text


def _deep_tree(root, levels: int) -> None:
    """``levels`` nested folders under ``root`` (deeper than PATH_MAX: built through descriptors)."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for i in range(levels):
            os.mkdir("d", dir_fd=fd)
            if i % 500 == 0:
                with open(os.open("f", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "wb") as f:
                    f.write(b"x")
            nxt = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nxt
    finally:
        os.close(fd)


def test_removes_a_tree_deeper_than_the_recursion_limit_and_path_max(tmp_path):
    root = tmp_path / "call"
    root.mkdir()
    _deep_tree(root, 3_000)
    assert 3_000 > sys.getrecursionlimit() and 3_000 * 2 > os.pathconf("/", "PC_PATH_MAX")
    assert fsutil.remove_tree(root) == []
    assert not root.exists()


def test_removes_hostile_names_links_fifos_and_read_only_folders(tmp_path):
    root = tmp_path / "scratch"
    root.mkdir()
    outside = tmp_path / "keep.txt"
    outside.write_text("host file")
    base = os.fsencode(root)
    for name in (b"\xff\xfe not utf-8", b"x" * 255, b"\x1b]0;title\x07", b"tab\there", b"=cmd|' -C calc'!A0"):
        os.mkdir(base + b"/" + name)
        with open(base + b"/" + name + b"/" + name, "wb") as f:
            f.write(b"1")
    os.symlink(outside, root / "link-out")
    os.symlink(tmp_path, root / "link-dir")
    os.mkfifo(root / "fifo")
    ro = root / "ro" / "inner"
    ro.mkdir(parents=True)
    (ro / "f").write_text("x")
    os.chmod(ro, 0o500)
    os.chmod(root / "ro", 0o500)
    assert fsutil.remove_tree(root) == []
    assert not os.path.lexists(root)
    assert outside.read_text() == "host file" and tmp_path.is_dir()


def test_missing_file_and_link_roots(tmp_path):
    assert fsutil.remove_tree(tmp_path / "nothing") == []
    f = tmp_path / "f"
    f.write_text("x")
    assert fsutil.remove_tree(f) == [] and not f.exists()
    target = tmp_path / "target"
    target.mkdir()
    (target / "keep").write_text("x")
    link = tmp_path / "link"
    link.symlink_to(target)
    assert fsutil.remove_tree(link) == []
    assert not os.path.lexists(link) and (target / "keep").exists()


def test_never_raises_and_says_what_it_could_not_remove(tmp_path, monkeypatch):
    root = tmp_path / "r"
    (root / "a").mkdir(parents=True)
    (root / "a" / "f").write_text("x")

    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "unlink", refuse)
    problems = fsutil.remove_tree(root)
    assert "f: Permission denied" in problems and root.exists()
    assert all(not safe_text.has_control(p) for p in problems)


def test_write_atomic_short_temp_names_and_bad_unicode(tmp_path):
    long = tmp_path / ("n" * 250 + ".json")
    fsutil.write_atomic(long, "text with a lone surrogate \udcff and 한국어")
    assert long.read_bytes() == "text with a lone surrogate \\udcff and 한국어".encode()
    assert [p.name for p in tmp_path.iterdir()] == [long.name]       # no temporary file left
    fsutil.write_atomic(tmp_path / "b.bin", b"\x00\x01")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"


@pytest.mark.parametrize("raw", [
    b"\xff\xfeabc", b"x" * 255, "é".encode() * 120, b"\x1b]52;c;aGk=\x07evil", b"\x1b[2J", b"tab\tname",
    b".hidden", b"..", b" padded ", b"a/b", "\u202eevil".encode(), b"\x9bcsi",
])
def test_safe_file_name_is_short_printable_and_stable(raw):
    name = fsutil.safe_file_name(raw)
    assert fsutil.is_safe_name(name)
    assert len(name.encode("utf-8")) <= fsutil.MAX_NAME_BYTES
    assert not safe_text.has_control(name) and "/" not in name
    assert fsutil.safe_file_name(raw) == name
    assert fsutil.safe_file_name(os.fsdecode(raw)) == name            # str (surrogateescape) or bytes alike


def test_safe_names_kept_and_near_collisions_told_apart():
    assert fsutil.safe_file_name("alice_perfect") == "alice_perfect"
    assert fsutil.safe_file_name("김민수 ex05") == "김민수 ex05"
    assert fsutil.safe_file_name("=HYPERLINK(x)") == "=HYPERLINK(x)"     # a CSV cell is neutralised later
    a, b = fsutil.safe_file_name(b"bob\x1b"), fsutil.safe_file_name(b"bob\x07")
    assert a != b and a.startswith("bob_-") and b.startswith("bob_-")
    assert fsutil.safe_file_name(b"x" * 255) != fsutil.safe_file_name(b"x" * 254 + b"y")


def test_walk_breadth_first_sorted_bounded_and_never_through_links(tmp_path):
    (tmp_path / "b" / "deep" / "deeper").mkdir(parents=True)
    (tmp_path / "b" / "deep" / "deeper" / "too_deep.py").write_text("")
    (tmp_path / "b" / "deep" / "x.py").write_text("")
    (tmp_path / "a.py").write_text("")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "inside.py").write_text("")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "inside.pyc").write_text("")
    (tmp_path / "link").symlink_to(tmp_path / "b")
    (tmp_path / "loop").symlink_to(tmp_path)
    seen = [os.path.relpath(e.path, tmp_path) for e in fsutil.walk_breadth_first(tmp_path, max_depth=2)]
    assert seen == [".hidden", "__pycache__", "a.py", "b", "link", "loop", "b/deep", "b/deep/deeper", "b/deep/x.py"]
    assert [os.path.relpath(e.path, tmp_path) for e in fsutil.walk_breadth_first(tmp_path, max_depth=0)] == \
        [".hidden", "__pycache__", "a.py", "b", "link", "loop"]


def test_walk_breadth_first_is_lazy_and_passes_over_what_it_cannot_list(tmp_path):
    for i in range(3):
        (tmp_path / f"d{i}").mkdir()
        (tmp_path / f"d{i}" / "f").write_text("")
    locked = tmp_path / "d1"
    walk = fsutil.walk_breadth_first(tmp_path, max_depth=3)
    assert [e.name for e in itertools.islice(walk, 3)] == ["d0", "d1", "d2"]
    if os.geteuid() != 0:                          # root lists a folder whatever its mode
        locked.chmod(0)
        try:
            assert [os.path.relpath(e.path, tmp_path) for e in walk] == ["d0/f", "d2/f"]
        finally:
            locked.chmod(0o755)
    assert list(fsutil.walk_breadth_first(tmp_path / "missing", max_depth=3)) == []
    assert fsutil.is_ignored_name(".git") and fsutil.is_ignored_name("__pycache__")
    assert not fsutil.is_ignored_name("ex01.py")
