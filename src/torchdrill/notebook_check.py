"""The check cells of the student notebooks, inside the Jupyter kernel (an IPython extension).

    %load_ext torchdrill.notebook_check
    %torchdrill_check ex05_no_grad.detach            [--lang ko|en]

Loading the extension starts a log of the code cells this kernel runs: the latest source of each
cell (by its cell id when the front end sends one, as JupyterLab does; else every run, in order),
seeded with the history so far; check cells are left out.  ``%torchdrill_check`` sends that code
to a separate process (``python -I -m torchdrill.notebook_grade --serve``, started at the first
check and kept for the kernel's later ones) which grades it against the stub's visible checks in
torchdrill's sandbox, exactly as ``torchdrill check`` does, and shows the table it answers: rich
HTML in Jupyter, text elsewhere, in the course's language, with the count of hidden checks.
The cell never raises: whatever goes wrong is said in the output.

The course is ``$TORCHDRILL_COURSE`` or the course.yml found upward from the kernel's working
folder (the bundle's ``notebooks/`` sits beside its course.yml).  Standard library, IPython and
torchdrill's light message modules only (messages, i18n: no torch, no yaml).
"""
from __future__ import annotations

import atexit
import itertools
import os
import shlex
from collections.abc import Iterable
from pathlib import Path

from .linechild import LineChild
from .messages import msg

COURSE_ENV = "TORCHDRILL_COURSE"
LANG_ENV = "TORCHDRILL_LANG"
MAGIC = "torchdrill_check"
#: seconds one check may take before the kernel gives up on the grading process
CHECK_SECONDS = 300
_ENV_KEPT = ("PATH", "HOME", "LANG", "LC_ALL", "OPENBLAS_CORETYPE", "CUDA_VISIBLE_DEVICES", LANG_ENV)


def is_check_cell(source: str) -> bool:
    return any(line.lstrip().startswith("%" + MAGIC) for line in str(source).splitlines())


class CellLog:
    """The code cells a kernel ran: the latest source per cell, in the order cells first ran."""

    def __init__(self, history: Iterable[str] = ()) -> None:
        self._runs = itertools.count()
        self._cells: dict[object, str] = {}
        for source in history:
            self.add(source)

    def add(self, source: str, cell_id: str | None = None) -> None:
        if not str(source).strip() or is_check_cell(source):
            return
        key = cell_id or ("run", next(self._runs))
        self._cells[key] = str(source)            # a cell run again keeps its place, with its new code

    def sources(self) -> list[str]:
        return list(self._cells.values())


def find_course(start: Path | None = None) -> Path | None:
    """The course.yml to check against: ``$TORCHDRILL_COURSE`` (the file or its folder), else the
    first found upward from ``start`` (the working folder)."""
    given = os.environ.get(COURSE_ENV)
    if given:
        path = Path(given).expanduser()
        path = path / "course.yml" if path.is_dir() else path
        return path if path.is_file() else None
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "course.yml").is_file():
            return folder / "course.yml"
    return None


# --------------------------------------------------------------------------- the grading process

#: the one grading process of this kernel (:mod:`torchdrill.linechild`)
_grader = LineChild("torchdrill.notebook_grade", _ENV_KEPT, CHECK_SECONDS)
atexit.register(_grader.close)


# --------------------------------------------------------------------------- the magic

def _show(reply: dict) -> None:
    data = {"text/plain": reply.get("text", "")}
    if reply.get("html"):
        data["text/html"] = reply["html"]
    meta = {"torchdrill": {k: reply.get(k) for k in ("target", "ok", "checks", "error") if k in reply}}
    try:
        from IPython.display import display
    except ImportError:
        print(data["text/plain"])
        return
    display(data, raw=True, metadata=meta)


def _said(message, lang: str | None) -> str:
    """A message in the check's language when it was asked for, else in every language, a line each
    (the course's language is only known to the grading process)."""
    from .render import in_language

    return in_language(message, lang, sep="\n")


def _problem(target: str, text: str) -> dict:
    return {"target": target, "ok": False, "checks": [], "error": True, "text": text,
            "html": "<pre>" + text.replace("&", "&amp;").replace("<", "&lt;") + "</pre>"}


def run_check(line: str, log: CellLog) -> dict:
    """What ``%torchdrill_check`` shows for ``line`` (``CHAPTER.STUB [--lang ko|en]``)."""
    words = shlex.split(line)
    lang = os.environ.get(LANG_ENV) or None
    if "--lang" in words:
        i = words.index("--lang")
        lang = words[i + 1] if i + 1 < len(words) else None
        del words[i:i + 2]
    target = words[0] if words else ""
    if not target:
        return _problem(target, f"usage: %{MAGIC} CHAPTER.STUB [--lang ko|en]")
    course = find_course()
    if course is None:
        return _problem(target, _said(msg(
            "torchdrill: no course.yml found: open the notebook from the bundle's notebooks/ folder (Colab: `%cd` "
            "into it, or `%env {env}=FOLDER` with the bundle's folder).", env=COURSE_ENV), lang))
    request = {"course": str(course), "target": target, "lang": lang, "cells": log.sources()}
    try:
        reply = _grader.ask(request)
    except Exception as exc:  # never a traceback in the student's notebook for our own failure
        return _problem(target, _said(msg(
            "torchdrill: the check did not run ({error}); this is not your fault, please tell the course staff.",
            error=f"{type(exc).__name__}: {exc}"), lang))
    reply["target"] = target
    return reply


#: the cell log of each shell this extension was loaded into
_LOGS: dict[int, CellLog] = {}


def load_ipython_extension(ip) -> None:
    """Install the cell log and the magic once per shell; every later ``%load_ext`` (each check cell
    has one, so a check works after a kernel restart too) finds them there and does nothing."""
    if id(ip) in _LOGS:
        return
    history = list(getattr(ip.history_manager, "input_hist_raw", None) or [])
    log = _LOGS[id(ip)] = CellLog(history)      # NB: the history already holds the cell being run

    def pre_run_cell(info) -> None:
        # IPython prints "already loaded" for %load_ext of a loaded extension: forget it was loaded,
        # so the check cells' %load_ext comes back here silently
        loaded = getattr(getattr(ip, "extension_manager", None), "loaded", None)
        if isinstance(loaded, set):
            loaded.discard(__name__)
        log.add(info.raw_cell, getattr(info, "cell_id", None))

    def magic(line: str) -> None:
        _show(run_check(line, log))

    ip.events.register("pre_run_cell", pre_run_cell)
    ip.register_magic_function(magic, magic_kind="line", magic_name=MAGIC)
