"""The roster: the LMS's own gradebook export, read as it is, and submissions matched to its rows.

Canvas (Grades → Export) writes ``Student, ID, SIS User ID, SIS Login ID[, Integration ID], Section``,
then one column per assignment and read-only totals; its second row is ``Points Possible`` (and
sometimes a posting-policy row), not a student.  Moodle (Grades → Export → Plain text file) writes
the user fields the teacher picked (``First name, Last name, ID number, Institution, Department,
Email address``, …), then one ``Item name (Real)`` column per grade item and ``Last downloaded from
this course``.  The identity columns are kept as they are, in the roster's order; grade columns
are dropped (the import file carries only the new assignment).

Matching: a submission's name (``DIR/<name>.json``) matches a row when it equals the ``--match-by``
cell, case and surrounding spaces ignored, or, when that cell is an e-mail address, its part
before ``@``.  A name that matches several rows, or a row that two submissions match, is not
guessed: it is reported.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UnknownNameError, UsageError

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Section")
#: rows of a Canvas export that are not students (first cell, spaces stripped)
CANVAS_NON_STUDENTS = ("Points Possible", "Manual Posting", "Posting Policy")
_MOODLE_GRADE = re.compile(r"\((Real|Percentage|Letter|Scale)\)\s*$")
MOODLE_NOT_IDENTITY = ("Last downloaded from this course",)


@dataclass(frozen=True)
class Roster:
    header: tuple[str, ...]
    identity: tuple[str, ...]              # columns kept in the import file, in the roster's order
    rows: tuple[dict[str, str], ...]       # students, in the roster's order
    path: Path | None = None


@dataclass
class Matching:
    by_row: dict[int, str] = field(default_factory=dict)            # row index -> submission name
    no_student: list[tuple[str, str]] = field(default_factory=list)  # (submission, why)
    no_submission: list[int] = field(default_factory=list)          # row indexes


def _delimiter(text: str) -> str:
    """The roster's separator (Moodle lets the teacher pick one), guessed from its header."""
    first = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def read_roster(path: Path, fmt: str) -> Roster:
    """The roster at ``path`` for ``fmt`` ("canvas" or "moodle"); refuses a file that is not one."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the roster ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: the roster is not UTF-8 text; export it from the LMS again as CSV (UTF-8)") from None
    rows = list(csv.reader(io.StringIO(text), delimiter=_delimiter(text)))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise UsageError(f"{path}: the roster is empty; export the gradebook from the LMS and give that file")
    header = tuple(c.strip() for c in rows[0])
    if fmt == "canvas":
        identity = tuple(c for c in header if c in CANVAS_IDENTITY)
        if not {"Student", "ID"} <= set(identity):
            raise UsageError(f"{path}: not a Canvas gradebook export (its header has no 'Student' and 'ID' "
                             "columns); in Canvas: Grades → Export → Export Entire Gradebook")
        body = [r for r in rows[1:] if (r[0].strip() if r else "") not in CANVAS_NON_STUDENTS]
    else:
        identity = tuple(c for c in header if c and not _MOODLE_GRADE.search(c) and c not in MOODLE_NOT_IDENTITY)
        if not identity:
            raise UsageError(f"{path}: no identity column in this roster (every column is a grade); in Moodle: "
                             "Grades → Export → Plain text file, with the user fields you match by")
        body = rows[1:]
    students = tuple({h: (r[i] if i < len(r) else "") for i, h in enumerate(header)} for r in body)
    return Roster(header, identity, students, path)


def default_match_column(roster: Roster, fmt: str) -> str:
    """The login column: ``SIS Login ID`` for Canvas; for Moodle ``Username``, else ``Email address``,
    else ``ID number`` (the first the roster has)."""
    wanted = ("SIS Login ID",) if fmt == "canvas" else ("Username", "Email address", "ID number")
    for column in wanted:
        if column in roster.identity:
            return column
    raise UsageError(f"the roster has none of the columns {', '.join(wanted)} to match submissions by; "
                     f"give one with --match-by (its columns: {', '.join(roster.identity)})")


def check_column(roster: Roster, column: str) -> str:
    if column in roster.identity:
        return column
    raise UnknownNameError("roster column", column, roster.identity)


def _key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def match(roster: Roster, column: str, names: list[str]) -> Matching:
    """Submission names to roster rows by ``column`` (see the module docstring)."""
    exact: dict[str, list[int]] = {}
    local: dict[str, list[int]] = {}
    for i, row in enumerate(roster.rows):
        value = _key(row.get(column, ""))
        if not value:
            continue
        exact.setdefault(value, []).append(i)
        if "@" in value:
            local.setdefault(value.split("@", 1)[0], []).append(i)
    out = Matching()
    for name in sorted(names):
        key = _key(name)
        hits = exact.get(key) or local.get(key) or []
        if len(hits) > 1:
            out.no_student.append((name, f"matches {len(hits)} students by {column}"))
        elif not hits:
            out.no_student.append((name, f"no student with this {column}"))
        elif hits[0] in out.by_row:
            out.no_student.append((name, f"the same student as {out.by_row[hits[0]]}"))
        else:
            out.by_row[hits[0]] = name
    out.no_submission = [i for i in range(len(roster.rows)) if i not in out.by_row]
    return out
