"""What each student wrote themselves, stub by stub: the code that is compared.

A submission is staged exactly as grading stages it (:func:`torchdrill.submission.stage`: folders,
single chapter files and notebooks alike, symlinks and oversized files refused), then every
chapter file is cut into pieces:

* one piece per stub: the body of the stub's function after its docstring, the solution region
  in :mod:`torchdrill.stubgen`'s terms.  When a file defines the function more than once, the
  last definition is the one Python keeps, and the one compared.  A body that is still the
  stub's ``raise NotImplementedError`` is not the student's code and is left out;
* one piece per chapter for the student's other code (helper functions, classes, module-level
  statements other than imports and the module docstring);
* a file that does not parse is one piece as a whole.

The signatures, docstrings and everything else the stub template hands out are boilerplate:
:func:`course_material` reads the template of every chapter (generated from ``solutions/`` by
``stubgen.make_stub``, or ``exercises/`` when there are no solutions) and the reference
solution of every stub (its solution region, ``stubgen.find_regions``).
"""
from __future__ import annotations

import ast
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import stubgen, submission
from .tokens import Tokens, normalise

OTHER = "(other code)"
WHOLE_FILE = "(whole file: does not parse)"


@dataclass(frozen=True)
class Piece:
    """One piece of one submission's code: ``text`` holds whole lines of the chapter file, the
    ``k``-th of them is line ``lines[k]`` of that file."""

    qualname: str          # "ex07_optimization.train", "ex07_optimization.(other code)"
    file: str              # where it is shown from: "ex07_optimization.py", "hw.ipynb (code cells)"
    text: str
    lines: tuple[int, ...]
    tokens: Tokens


@dataclass
class Submission:
    name: str
    path: Path
    pieces: dict[str, Piece] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CourseMaterial:
    """What the course hands out (boilerplate) and what it expects (the reference answers)."""

    templates: dict[str, Tokens]       # chapter id -> the normalised stub template file
    reference: dict[str, Piece]        # stub qualname -> the reference solution's region


# --------------------------------------------------------------------------- cutting a file

def _line_numbers(first: int, last: int) -> tuple[int, ...]:
    return tuple(range(first, last + 1))


def _piece(qualname: str, file: str, source_lines: list[str], spans: list[tuple[int, int]]) -> Piece:
    """A piece made of the 1-based, inclusive line ``spans`` of a file."""
    numbers: list[int] = []
    for first, last in spans:
        numbers.extend(_line_numbers(first, last))
    text = "".join(source_lines[n - 1] if n - 1 < len(source_lines) else "\n" for n in numbers)
    if text and not text.endswith("\n"):
        text += "\n"
    return Piece(qualname, file, text, tuple(numbers), normalise(text))


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", None) or []
    return min([node.lineno] + [d.lineno for d in decorators])


def _own_body(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[list[ast.stmt], int]:
    """The statements after the docstring (the part a student writes in place of the raise), and
    the line the piece starts on: the one after the docstring, so comments there belong to it."""
    body = list(fn.body)
    if ast.get_docstring(fn, clean=False) is None:
        return body, _first_line(body[0])
    body = body[1:]
    if not body:
        return body, 0
    after_docstring = (fn.body[0].end_lineno or fn.body[0].lineno) + 1
    return body, min(after_docstring, _first_line(body[0]))


def _still_a_stub(body: list[ast.stmt]) -> bool:
    """The body is nothing but ``raise NotImplementedError[(...)]``: the student wrote nothing."""
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    exc = body[0].exc.func if isinstance(body[0].exc, ast.Call) else body[0].exc
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def _is_module_boilerplate(index: int, node: ast.stmt) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return True
    return (index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str))


def cut(source: str, chapter_id: str, stubs: list[str], file: str,
        course_stubs: frozenset[str] = frozenset()) -> dict[str, Piece]:
    """The pieces of one chapter file (see the module's docstring).  Functions named like a stub
    of another chapter (``course_stubs``: a notebook that holds several chapters is staged once
    per chapter) are that chapter's pieces, not this one's other code."""
    lines = source.split("\n")
    lines = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):   # too deep to parse: the student's error
        if not lines:
            return {}
        qualname = f"{chapter_id}.{WHOLE_FILE}"
        return {qualname: _piece(qualname, file, lines, [(1, len(lines))])}
    wanted = set(stubs)
    last_def: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    other: list[tuple[int, int]] = []
    for index, node in enumerate(tree.body):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in wanted:
            last_def[node.name] = node
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in course_stubs:
            continue
        elif not _is_module_boilerplate(index, node):
            other.append((_first_line(node), node.end_lineno or node.lineno))
    pieces: dict[str, Piece] = {}
    for stub in stubs:                       # course order
        fn = last_def.get(stub)
        if fn is None:
            continue
        body, start = _own_body(fn)
        if not body or _still_a_stub(body):
            continue
        qualname = f"{chapter_id}.{stub}"
        pieces[qualname] = _piece(qualname, file, lines, [(start, body[-1].end_lineno or fn.lineno)])
    if other:
        qualname = f"{chapter_id}.{OTHER}"
        pieces[qualname] = _piece(qualname, file, lines, other)
    return pieces


# --------------------------------------------------------------------------- the course's side

def course_material(course) -> CourseMaterial:
    """Every chapter's stub template and every stub's reference solution region."""
    templates: dict[str, Tokens] = {}
    reference: dict[str, Piece] = {}
    for chapter in course.chapters:
        solution = course.solutions_dir / chapter.filename
        exercise = course.exercises_dir / chapter.filename
        if solution.is_file():
            source = solution.read_text(encoding="utf-8")
            templates[chapter.id] = normalise(stubgen.make_stub(source, filename=str(solution)))
            reference.update(_reference_regions(source, chapter, str(solution)))
        elif exercise.is_file():
            templates[chapter.id] = normalise(exercise.read_text(encoding="utf-8"))
    return CourseMaterial(templates, reference)


def _reference_regions(source: str, chapter, filename: str) -> dict[str, Piece]:
    tree = ast.parse(source, filename=filename)
    functions = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    lines = [line + "\n" for line in source.split("\n")]
    out: dict[str, Piece] = {}
    for region in stubgen.find_regions(source, filename):
        owner = next((f for f in functions if f.lineno <= region.begin <= (f.end_lineno or 0)), None)
        if owner is None or owner.name not in chapter.stubs:
            continue
        qualname = chapter.qualname(owner.name)
        out[qualname] = _piece(qualname, chapter.filename, lines, [(region.begin + 1, region.end - 1)])
    return out


# --------------------------------------------------------------------------- a submission

def _stage(path: Path, into: Path, course):
    """``submission.stage``, told each chapter's stub names, so a notebook or a lone file not named
    after a chapter is placed by the functions it defines (as grading places it)."""
    stubs = {c.id: set(c.stubs) for c in course.chapters}
    return submission.stage(path, into, course.chapter_ids, lang="en", stubs_by_chapter=stubs)


def _label(path: Path, chapter_file: str) -> str:
    """The file a piece is shown from: the submission itself when it is one file (a notebook's line
    numbers count its code cells, one after the other), else the chapter file in the folder."""
    if path.is_dir():
        return chapter_file
    return f"{path.name} (code cells)" if path.suffix == ".ipynb" else path.name


def read_submission(path: Path, name: str, course) -> Submission:
    """Stage ``path`` as grading would and cut every chapter file it holds into pieces."""
    sub = Submission(name=name, path=Path(path))
    course_stubs = frozenset(stub for _, stub, _ in course.stubs())
    with tempfile.TemporaryDirectory(prefix="torchdrill-similarity-") as scratch:
        staged = _stage(Path(path), Path(scratch), course)
        sub.notes.extend(staged.notes)
        for chapter_id, file in staged.files.items():
            raw = file.read_bytes()
            try:
                source = raw.decode("utf-8")
            except UnicodeDecodeError:
                source = raw.decode("utf-8", errors="replace")
                sub.notes.append(f"{chapter_id}: not UTF-8; undecodable bytes were replaced")
            chapter = course.chapter(chapter_id)
            label = _label(Path(path), chapter.filename)
            for qualname, piece in cut(source, chapter_id, list(chapter.stubs), label, course_stubs).items():
                # a notebook placed in several chapters is staged once per chapter: its other code
                # (or the whole of it, when it does not parse) belongs to the first of them only
                if qualname.endswith((OTHER, WHOLE_FILE)) and any(
                        p.text == piece.text for q, p in sub.pieces.items() if q.endswith((OTHER, WHOLE_FILE))):
                    continue
                sub.pieces[qualname] = piece
    if not sub.pieces:
        sub.notes.append("no code of the student's own was found")
    return sub
