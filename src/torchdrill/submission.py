"""Staging: turn what a student handed in into one plain file per chapter, or say why not.

A submission is a directory laid out like ``exercises/`` (any subset of the chapter files), a
single chapter file, or a Jupyter notebook.  Nothing is followed or trusted: symlinks are
skipped, sizes are capped, notebooks are read with nbformat and only their code cells kept.
The staged copies live in the sandbox's scratch folder, readable but not writable by student code.
"""
from __future__ import annotations

import ast
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .i18n import gettext_for

MAX_FILE_BYTES = 2 << 20
MAX_ENTRIES = 5_000          # directory entries looked at, so a folder of 100 000 files costs nothing
MAX_DEPTH = 3


@dataclass
class Staged:
    files: dict[str, Path] = field(default_factory=dict)      # chapter id -> staged file
    notes: list[str] = field(default_factory=list)            # what the student should know


def _chapter_for_name(stem: str, chapters: list[str]) -> str | None:
    if stem in chapters:
        return stem
    hits = [c for c in chapters if c in stem]
    return hits[0] if len(hits) == 1 else None


def _defined_functions(text: str) -> set[str]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return set()
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


def code_cells_to_source(sources: list[str], numbers: list[int] | None = None) -> str:
    """Code cells as one Python file: each cell after a ``# --- cell N`` line, IPython magics and
    shell lines (``%``, ``!``) commented out."""
    parts = []
    for k, text in enumerate(sources):
        lines = []
        for line in str(text).splitlines():
            stripped = line.lstrip()
            lines.append("# " + line if stripped.startswith(("%", "!")) else line)
        parts.append(f"# --- cell {numbers[k] if numbers else k}\n" + "\n".join(lines))
    return "\n\n".join(parts) + "\n"


def is_autograder_test_cell(cell) -> bool:
    """An nbgrader "Autograder tests" cell (grade, not solution): the instructor's tests, not the
    student's code, so it is never part of the graded file (our graders judge the code instead)."""
    meta = (cell.get("metadata") or {}).get("nbgrader") or {}
    return isinstance(meta, dict) and meta.get("grade") is True and not meta.get("solution")


def notebook_to_source(raw: bytes) -> str:
    """The code cells of a notebook as one Python file (IPython magics and shell lines dropped;
    nbgrader autograder-test cells left out)."""
    import nbformat

    nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    nbformat.validate(nb)
    cells = [(i, cell) for i, cell in enumerate(nb.cells)
             if cell.get("cell_type") == "code" and not is_autograder_test_cell(cell)]
    return code_cells_to_source([str(c.get("source", "")) for _, c in cells], [i for i, _ in cells])


def _read_regular(path: Path, _) -> tuple[bytes | None, str | None]:
    try:
        st = os.lstat(path)
    except OSError as exc:
        return None, _("{name}: cannot be read ({err}).").format(name=path.name, err=exc.strerror)
    if stat.S_ISLNK(st.st_mode):
        return None, _("{name}: is a symbolic link and was skipped (submit the file itself).").format(name=path.name)
    if not stat.S_ISREG(st.st_mode):
        return None, _("{name}: is not a regular file and was skipped.").format(name=path.name)
    if st.st_size > MAX_FILE_BYTES:
        return None, _("{name}: is larger than {mb} MB and was skipped.").format(name=path.name, mb=MAX_FILE_BYTES >> 20)
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        return f.read(MAX_FILE_BYTES + 1), None


def _candidates(root: Path, notes: list[str], _) -> list[Path]:
    """Files under ``root`` that may hold chapters, breadth first, symlinked folders not entered."""
    found, seen, queue = [], 0, [(root, 0)]
    while queue:
        d, depth = queue.pop(0)
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError:
            continue
        for e in entries:
            seen += 1
            if seen > MAX_ENTRIES:
                notes.append(_("the submission has more than {n} files; only the first {n} were looked at.").format(
                    n=MAX_ENTRIES))
                return found
            if e.name.startswith(".") or e.name == "__pycache__":
                continue
            if e.is_symlink():
                if e.name.endswith((".py", ".ipynb")):
                    notes.append(_("{name}: is a symbolic link and was skipped (submit the file itself).").format(
                        name=e.name))
                continue
            if e.is_dir(follow_symlinks=False) and depth < MAX_DEPTH:
                queue.append((Path(e.path), depth + 1))
            elif e.name.endswith((".py", ".ipynb")):
                found.append(Path(e.path))
    return found


def stage(submission: Path, into: Path, chapters: list[str], lang: str = "en") -> Staged:
    """Copy the chapter files of ``submission`` into ``into`` (a sandbox stage folder)."""
    _ = gettext_for(lang)
    out = Staged()
    try:
        st = os.lstat(submission)
    except OSError:
        out.notes.append(_("{name}: not found.").format(name=submission.name))
        return out
    if stat.S_ISLNK(st.st_mode):
        out.notes.append(_("{name}: is a symbolic link and was skipped (submit the file itself).").format(
            name=submission.name))
        return out
    files = _candidates(submission, out.notes, _) if stat.S_ISDIR(st.st_mode) else [submission]
    for path in files:
        raw, problem = _read_regular(path, _)
        if problem:
            out.notes.append(problem)
            continue
        if path.suffix == ".ipynb":
            try:
                text = notebook_to_source(raw)
            except Exception as exc:  # nbformat raises many kinds: all mean "not a usable notebook"
                out.notes.append(_("{name}: is not a valid notebook ({err}); it was not graded.").format(
                    name=path.name, err=type(exc).__name__))
                continue
            data = text.encode("utf-8")
        else:
            if path.suffix != ".py":
                continue
            data = raw
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = ""
        chapter = _chapter_for_name(path.stem, chapters)
        targets = [chapter] if chapter else []
        if not targets and (len(files) == 1 or path.suffix == ".ipynb"):
            # A lone file or a notebook not named after a chapter: place it by the stubs it defines.
            defined = _defined_functions(text)
            targets = [c for c in chapters if c in _STUBS_BY_CHAPTER and defined & _STUBS_BY_CHAPTER[c]]
        if not targets:
            if len(files) == 1:
                out.notes.append(_("{name}: no chapter recognised (name the file like ex07_optimization.py).").format(
                    name=path.name))
            continue
        for ch in targets:
            if ch in out.files:
                out.notes.append(_("{name}: {chapter} was already found in another file; this one was ignored.").format(
                    name=path.name, chapter=ch))
                continue
            dest = into / f"{ch}.py"
            dest.write_bytes(data)
            os.chmod(dest, 0o644)
            out.files[ch] = dest
    return out


_STUBS_BY_CHAPTER: dict[str, set[str]] = {}


def register_stubs(stubs_by_chapter: dict[str, list[str]]) -> None:
    """Tell staging which stub names each chapter defines (from course.yml)."""
    _STUBS_BY_CHAPTER.update({k: set(v) for k, v in stubs_by_chapter.items()})


def display_name(path: Path) -> str:
    name = path.name or Path(path).resolve().name or "submission"
    return name[:-3] if name.endswith(".py") else name[:-6] if name.endswith(".ipynb") else name


__all__ = ["Staged", "stage", "notebook_to_source", "code_cells_to_source", "is_autograder_test_cell", "register_stubs", "display_name", "json"]
