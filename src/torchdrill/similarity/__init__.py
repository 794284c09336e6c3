"""Similarity screening across a class: the few pairs whose code is alike beyond what the task forces.

    expand(args, course)      the submissions: the arguments, a class folder opened up
    screen(paths, course)     read → fingerprint → rank → detail (screen.py; each stage its own module:
                              extract.py, tokens.py, fingerprint.py, rank.py)
    write_json / write_html   the ranked pairs as JSON and as one self-contained page (render.py)

It is a screening aid: it says which pairs to read, never who copied.
"""
from __future__ import annotations

import os
from pathlib import Path

from .screen import FLOOR, TOP, PairDetail, Screening, screen

__all__ = ["FLOOR", "TOP", "PairDetail", "Screening", "expand", "screen", "write_html", "write_json"]


def _is_one_submission(folder: Path, chapter_ids: list[str]) -> bool:
    """A folder is one submission when a .py or .ipynb file directly in it is named after a chapter,
    or when it holds a single such file and no folder; otherwise it is a class folder."""
    try:
        entries = [e for e in os.scandir(folder) if not e.name.startswith(".") and e.name != "__pycache__"]
    except OSError:
        return True
    code = [e for e in entries if e.name.endswith((".py", ".ipynb")) and not e.is_dir(follow_symlinks=False)]
    if any(ch in e.name for e in code for ch in chapter_ids):
        return True
    folders = [e for e in entries if e.is_dir(follow_symlinks=False)]
    return (len(code) == 1 and not folders) or not entries


def expand(args: list[Path], course) -> list[Path]:
    """The submissions named by ``args``: each argument is a submission (a folder laid out like
    ``exercises/``, a chapter file, a notebook) or a class folder whose entries are submissions."""
    out: list[Path] = []
    for arg in map(Path, args):
        if arg.is_dir() and not arg.is_symlink() and not _is_one_submission(arg, course.chapter_ids):
            out.extend(sorted(Path(e.path) for e in os.scandir(arg)
                              if not e.name.startswith(".") and e.name != "__pycache__"
                              and (e.is_dir(follow_symlinks=False) or e.name.endswith((".py", ".ipynb")))))
        else:
            out.append(arg)
    return out


def write_json(s: Screening, path: Path) -> None:
    from .render import write_json as _write_json

    _write_json(s, path)


def write_html(s: Screening, path: Path) -> None:
    from .render import write_html as _write_html

    _write_html(s, path)
