"""Staging: turn what a student handed in into one plain file per chapter, or say why not.

A submission is a directory laid out like ``exercises/`` (any subset of the chapter files), a
single chapter file, or a Jupyter notebook.  Nothing is followed or trusted: symlinks and hard
links (a file whose link count is above 1 may be another file's contents) are skipped, sizes are
capped, notebooks are read with nbformat and only their code cells kept.  Parsing that blows up
in this trusted process (a source nested too deeply for Python's parser, a notebook's JSON
nested too deeply) is the student's problem, said in a note, never a grader error.  Notes are
messages (:class:`~torchdrill.messages.Msg`), rendered in the reader's language where they are
shown; file names in them go through :func:`~torchdrill.safe_text.printable` (a name can hold any byte).
The staged copies live in the sandbox's scratch folder, readable but not writable by student code.
"""
from __future__ import annotations

import ast
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .fsutil import is_ignored_name, safe_file_name, walk_breadth_first
from .messages import Msg, msg
from .safe_text import printable

MAX_FILE_BYTES = 2 << 20
MAX_ENTRIES = 5_000          # directory entries looked at, so a folder of 100 000 files costs nothing
MAX_DEPTH = 3


@dataclass
class Staged:
    files: dict[str, Path] = field(default_factory=dict)      # chapter id -> staged file
    note_msgs: list[Msg] = field(default_factory=list)        # what the student should know, as messages
    lang: str = "en"

    @property
    def notes(self) -> list[str]:
        """The notes in the language staging was asked for."""
        return [m.render(self.lang) for m in self.note_msgs]


def _chapter_for_name(stem: str, chapters: list[str]) -> str | None:
    if stem in chapters:
        return stem
    hits = [c for c in chapters if c in stem]
    return hits[0] if len(hits) == 1 else None


#: What Python's parser raises on a source it cannot hold: nesting deeper than its recursion
#: limit ("maximum recursion depth exceeded during ast construction"), an expression too complex
#: for its stack (a bare MemoryError), or more nesting than its fixed limits.
PARSE_BLOWUPS = (RecursionError, MemoryError, OverflowError)


def _defined_functions(text: str) -> set[str] | None:
    """The top-level functions ``text`` defines; empty when it is not valid Python, None when it
    is too deeply nested or too large for the parser (see :data:`PARSE_BLOWUPS`)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return set()
    except PARSE_BLOWUPS:
        return None
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


def _read_regular(path: Path) -> tuple[bytes | None, Msg | None]:
    name = printable(path.name)
    try:
        st = os.lstat(path)
    except OSError as exc:
        return None, msg("{name}: cannot be read ({err}).", name=name, err=exc.strerror)
    if stat.S_ISLNK(st.st_mode):
        return None, msg("{name}: is a symbolic link and was skipped (submit the file itself).", name=name)
    if not stat.S_ISREG(st.st_mode):
        return None, msg("{name}: is not a regular file and was skipped.", name=name)
    try:
        # O_NONBLOCK: a FIFO swapped in after the lstat must not block us; what was opened is
        # checked again below.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        return None, msg("{name}: cannot be read ({err}).", name=name, err=exc.strerror)
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            return None, msg("{name}: is not a regular file and was skipped.", name=name)
        if st.st_nlink > 1:      # the same contents under another name: maybe someone else's file
            return None, msg("{name}: is a hard link to another file and was skipped (submit the file itself).",
                             name=name)
        if st.st_size > MAX_FILE_BYTES:
            return None, msg("{name}: is larger than {mb} MB and was skipped.", name=name, mb=MAX_FILE_BYTES >> 20)
        data = f.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        return None, msg("{name}: is larger than {mb} MB and was skipped.", name=name, mb=MAX_FILE_BYTES >> 20)
    return data, None


def _candidates(root: Path, notes: list[Msg]) -> list[Path]:
    """Files under ``root`` that may hold chapters, breadth first, symlinked folders not entered."""
    found: list[Path] = []
    for seen, e in enumerate(walk_breadth_first(root, MAX_DEPTH), start=1):
        if seen > MAX_ENTRIES:
            notes.append(msg("the submission has more than {n} files; only the first {n} were looked at.",
                             n=MAX_ENTRIES))
            break
        if is_ignored_name(e.name):
            continue
        if e.is_symlink():
            if e.name.endswith((".py", ".ipynb")):
                notes.append(msg("{name}: is a symbolic link and was skipped (submit the file itself).",
                                 name=printable(e.name)))
            continue
        if not e.is_dir(follow_symlinks=False) and e.name.endswith((".py", ".ipynb")):
            found.append(Path(e.path))
    return found


def stage(submission: Path, into: Path, chapters: list[str], lang: str = "en",
          stubs_by_chapter: dict[str, set[str]] | None = None) -> Staged:
    """Copy the chapter files of ``submission`` into ``into`` (a sandbox stage folder).

    ``stubs_by_chapter`` (from course.yml) places a lone file or a notebook that is not named
    after a chapter by the stubs it defines."""
    out = Staged(lang=lang)
    notes = out.note_msgs
    files = _submitted_files(submission, notes)
    for path in files:
        source = _chapter_source(path, notes)
        if source is None:
            continue
        data, text = source
        for ch in _chapters_of(path, text, len(files) == 1, chapters, stubs_by_chapter or {}, notes):
            if ch in out.files:
                notes.append(msg("{name}: {chapter} was already found in another file; this one was ignored.",
                                 name=printable(path.name), chapter=ch))
                continue
            dest = into / f"{ch}.py"
            dest.write_bytes(data)
            os.chmod(dest, 0o644)
            out.files[ch] = dest
    return out


def _submitted_files(submission: Path, notes: list[Msg]) -> list[Path]:
    """The files of a submission that may hold chapters (a folder's, or the one file it is)."""
    try:
        st = os.lstat(submission)
    except OSError:
        notes.append(msg("{name}: not found.", name=printable(submission.name)))
        return []
    if stat.S_ISLNK(st.st_mode):
        notes.append(msg("{name}: is a symbolic link and was skipped (submit the file itself).",
                         name=printable(submission.name)))
        return []
    return _candidates(submission, notes) if stat.S_ISDIR(st.st_mode) else [submission]


def _chapter_source(path: Path, notes: list[Msg]) -> tuple[bytes, str] | None:
    """(the bytes to stage, their text) of a ``.py`` file or a notebook's code cells; None (with a
    note when the student should know why) for a file that cannot be used."""
    raw, problem = _read_regular(path)
    if problem is not None or raw is None:
        if problem is not None:
            notes.append(problem)
        return None
    if path.suffix == ".ipynb":
        try:
            text = notebook_to_source(raw)
        except PARSE_BLOWUPS as exc:
            notes.append(_too_deep(path, exc))
            return None
        except Exception as exc:  # nbformat raises many kinds: all mean "not a usable notebook"
            notes.append(msg("{name}: is not a valid notebook ({err}); it was not graded.",
                             name=printable(path.name), err=type(exc).__name__))
            return None
        return text.encode("utf-8"), text
    if path.suffix != ".py":
        return None
    try:
        return raw, raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw, ""


def _chapters_of(path: Path, text: str, lone: bool, chapters: list[str], stubs_by_chapter: dict[str, set[str]],
                 notes: list[Msg]) -> list[str]:
    """The chapters a file holds: the one it is named after, else (a lone file or a notebook) those
    whose stubs it defines."""
    chapter = _chapter_for_name(path.stem, chapters)
    if chapter:
        return [chapter]
    targets: list[str] = []
    if lone or path.suffix == ".ipynb":
        # A lone file or a notebook not named after a chapter: place it by the stubs it defines.
        defined = _defined_functions(text)
        if defined is None:
            notes.append(_too_deep(path, RecursionError()))
            return []
        targets = [c for c in chapters if c in stubs_by_chapter and defined & stubs_by_chapter[c]]
    if not targets and lone:
        notes.append(msg("{name}: no chapter recognised (name the file like ex07_optimization.py).",
                         name=printable(path.name)))
    return targets


def _too_deep(path: Path, exc: BaseException) -> Msg:
    return msg("{name}: is nested too deeply or is too large for Python to read ({err}); it was not graded. "
               "Simplify the code (fewer nested brackets or calls, shorter expressions).",
               name=printable(path.name), err=type(exc).__name__)


def display_name(path: Path) -> str:
    """The submission's name: in results, ``DIR/<name>.json``, the gradebook, notes and feedback.

    The file or folder name without ``.py``/``.ipynb``, then mapped by
    :func:`torchdrill.fsutil.safe_file_name`: a name that is valid UTF-8, printable, not hidden
    and at most 100 bytes is kept as it is; any other (bytes that are not UTF-8, control, bidi
    or format characters, a leading dot, 255 bytes) becomes its printable part, cut to fit, plus
    ``-`` and 8 hex digits of the SHA-256 of its bytes, so names that differ only in what was
    replaced stay apart and the same name always maps the same way.  A name that is safe here
    can still start a spreadsheet formula (``=HYPERLINK(…)``): CSV writers neutralise cells."""
    name = os.fsencode(Path(path).name or Path(path).resolve().name or "submission")
    name = name[:-3] if name.endswith(b".py") else name[:-6] if name.endswith(b".ipynb") else name
    return safe_file_name(name or b"submission")


__all__ = ["PARSE_BLOWUPS", "Staged", "code_cells_to_source", "display_name", "is_autograder_test_cell",
           "notebook_to_source", "stage"]
