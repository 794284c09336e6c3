"""The pipes between the trusted side and a process that runs student code (sandbox/frames.py),
and the lifecycle both sandboxes share (sandbox/base.py).  Fast: no sandbox is started."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from torchdrill.sandbox import codec, frames
from torchdrill.sandbox.base import SandboxBase


@pytest.fixture
def pipe():
    r, w = os.pipe()
    yield r, w
    for fd in (r, w):
        try:
            os.close(fd)
        except OSError:
            pass


def test_a_frame_is_its_length_then_its_bytes():
    assert frames.frame(b"abc") == (3).to_bytes(8, "little") + b"abc"
    assert frames.frame(b"") == bytes(8)


def test_frames_come_back_whole_and_in_order(pipe):
    r, w = pipe
    big = os.urandom(3 << 20)                  # more than a pipe holds: written while it is read
    writer = threading.Thread(target=lambda: [frames.write_frame(w, d) for d in (b"one", big, b"")])
    writer.start()
    got = [frames.read_frame(r, max_bytes=4 << 20) for _ in range(3)]
    writer.join()
    assert got == [b"one", big, b""]


def test_a_frame_over_the_limit_or_cut_short_is_the_end(pipe):
    r, w = pipe
    frames.write_frame(w, b"x" * 100)
    with pytest.raises(EOFError):
        frames.read_frame(r, max_bytes=99)
    os.write(w, frames.frame(b"abcdef")[:-2])
    os.close(w)
    with pytest.raises(EOFError):
        frames.read_frame(r, max_bytes=100)


def test_call_request_is_what_the_child_reads():
    req = frames.call_request("f", (1, 2), None, probes=None, repeat=2, seed=7,
                              callees={"g": {"code": "def g(): pass", "record": 1}, "h": {"code": "h = 1"}})
    assert req == {"func": "f", "args": [1, 2], "kwargs": {}, "probes": [], "repeat": 2, "seed": 7,
                   "callees": [["g", "def g(): pass", True], ["h", "h = 1", False]]}
    assert list(req) == ["func", "args", "kwargs", "probes", "repeat", "seed", "callees"]
    assert codec.decode(codec.encode(req)) == req


def test_output_is_read_from_the_start_capped_and_says_when_cut(tmp_path):
    fd = os.open(tmp_path / "output.txt", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.write(fd, "안녕 hello".encode())
        assert frames.read_output(fd, 100) == ("안녕 hello", False)
        assert os.lseek(fd, 0, os.SEEK_CUR) == len("안녕 hello".encode())     # pread: position kept
        assert frames.read_output(fd, 3) == ("안", True)
        assert frames.read_output(fd, 2) == ("\ufffd", True)                  # a character cut in two
    finally:
        os.close(fd)
    assert frames.read_output(fd, 10) == ("", False)                           # closed: nothing to read


def test_read_output_without_pread_seeks_and_reads(tmp_path, monkeypatch):
    """Windows has no os.pread: a seek to the start and a read give the same."""
    monkeypatch.delattr(os, "pread")
    fd = os.open(tmp_path / "output.txt", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.write(fd, b"0123456789")
        assert frames.read_output(fd, 4) == ("0123", True)
        assert frames.read_output(fd, 10) == ("0123456789", False)
    finally:
        os.close(fd)


class _Scratch(SandboxBase):
    def __init__(self, base: Path) -> None:
        self.base, self.session_scope, self.events = None, "chapter", []
        self._at = base

    def start(self) -> None:
        self.base = self._at
        self.events.append("start")

    def close(self) -> None:
        self.base = None
        self.events.append("close")


def test_the_shared_lifecycle_starts_closes_and_scopes_sessions(tmp_path):
    box = _Scratch(tmp_path)
    with box as entered:
        assert entered is box and box.work == tmp_path / "work"
        chapter = tmp_path / "work" / "sub-1" / "ex01.py"
        assert box.session_for(chapter) == str(chapter)
        box.session_scope = "submission"
        assert box.session_for(chapter) == str(chapter.parent)
    assert box.events == ["start", "close"]
    with pytest.raises(AssertionError):
        box.work                                # noqa: B018 (closed: no scratch folder)
