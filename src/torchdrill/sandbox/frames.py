"""The pipes between the trusted side and a process that runs student code, on every platform.

Requests and results travel as *frames*: an 8-byte little-endian length, then that many bytes
(one :mod:`codec` record).  The full sandbox's children (``child.py``) and the portable sandbox's
workers (``portable_worker.py``) read requests and write results this way, their parents
(``client.py``, ``portable.py``) the other way round.  What the student's code printed goes to an
output file instead (never into the result pipe): :func:`read_output` reads it back.

Plain ``os`` and ``struct`` only: this module imports where there is no ``resource`` or ``fcntl``.
"""
from __future__ import annotations

import os
import struct
import sys
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

#: The length in front of every frame.
LEN = struct.Struct("<Q")


def frame(data: bytes) -> bytes:
    """The bytes of one frame: its length, then ``data``."""
    return LEN.pack(len(data)) + data


def read_exact(fd: int, n: int) -> bytes:
    """Exactly ``n`` bytes from ``fd``; ``EOFError`` if it ends first."""
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, max_bytes: int) -> bytes:
    """The next frame's bytes from ``fd``; ``EOFError`` at its end or for a frame over ``max_bytes``."""
    (n,) = LEN.unpack(read_exact(fd, LEN.size))
    if n > max_bytes:
        raise EOFError
    return read_exact(fd, n)


def write_frame(fd: int, data: bytes) -> None:
    """One frame to ``fd``, all of it (a pipe may take it in parts)."""
    view = memoryview(frame(data))
    while view:
        view = view[os.write(fd, view):]


class CallRequest(TypedDict):
    """One call's request frame, as :meth:`torchdrill.sandbox.child.Session.call` reads it (the
    full sandbox puts ``module`` in front: which of the session's files)."""

    func: str
    args: list[Any]
    kwargs: dict[str, Any]
    probes: list[dict[str, Any]]
    repeat: int
    seed: int
    callees: list[list[str | bool]]         # [name, code, record]


def call_request(func: str, args: Sequence[Any], kwargs: Mapping[str, Any] | None, *,
                 probes: list[dict[str, Any]] | None, repeat: int, seed: int,
                 callees: Mapping[str, Mapping[str, Any]] | None) -> CallRequest:
    """The request for one call (``callees``: name → {"code": source, "record": bool})."""
    return {"func": func, "args": list(args), "kwargs": dict(kwargs or {}), "probes": probes or [],
            "repeat": int(repeat), "seed": int(seed),
            "callees": [[name, spec["code"], bool(spec.get("record"))] for name, spec in (callees or {}).items()]}


def read_output(fd: int, cap: int) -> tuple[str, bool]:
    """What the student's code printed into the output file ``fd`` (after flushing ``sys.stdout``
    and ``sys.stderr``): its first ``cap`` bytes as text, and whether there was more.  With
    ``os.pread`` where the platform has it (the file position stays), else a seek and a read."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        pass
    try:
        if hasattr(os, "pread"):
            data = os.pread(fd, cap + 1, 0)
        else:                                   # Windows
            os.lseek(fd, 0, os.SEEK_SET)
            data = os.read(fd, cap + 1)
    except OSError:
        return "", False
    return data[:cap].decode("utf-8", "replace"), len(data) > cap
