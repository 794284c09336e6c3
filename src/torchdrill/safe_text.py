"""Text that reaches an instructor's tools: spreadsheet cells and terminals.

Submission names and messages are written by students, so anything torchdrill writes into a CSV
file or onto a terminal goes through this module first.

* :func:`csv_cell` — CSV formula injection, as OWASP's *CSV Injection* page advises: a cell whose
  first character is ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a formula by
  Excel, LibreOffice and Google Sheets, so it gets a leading ``'`` and is read as text.  We also
  look past leading white space (some importers trim it before deciding), treat NUL and line feeds
  like the others (ASVS 1.2.10 lists NUL), and the full-width forms of the four signs (CJK
  spreadsheet locales read ``＝`` as ``=``).  Quoting of commas, quotes and line breaks is left to
  :mod:`csv`.  A number written by torchdrill (a score) is never negative, so never changed.
* :func:`terminal` — what is printed: C0 controls (but the line feed, and tab), DEL, C1 controls
  (``0x80``–``0x9f``: a lone ``0x9b`` is a CSI on many terminals), the bidirectional-text controls
  (a name can reorder what follows it) and lone surrogates (the bytes of a file name that is not
  UTF-8, as Python hands them over) are shown as visible escapes (``\\x1b``, ``\\u202e``), so an
  ESC sequence (clear screen, window title, OSC 52 clipboard, OSC 8 hyperlink) is never sent raw.
* :func:`printable` — the same on one line (line feeds escaped too): names in notes and tables.

Nothing here imports torch.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

#: First characters (after leading white space) that make a spreadsheet evaluate a cell.
CSV_TRIGGERS = frozenset("=+-@\t\r\n\0\uff1d\uff0b\uff0d\uff20")

# C0 but tab and line feed, DEL, C1, the bidi embeddings/overrides/isolates and marks, lone surrogates.
_UNSAFE_TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                              "\ud800-\udfff]")
_UNSAFE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(m: re.Match) -> str:
    ch = m.group(0)
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:          # a byte that was not UTF-8 (surrogateescape): show the byte
        return f"\\x{code - 0xDC00:02x}"
    if code == 0x0A:
        return "\\n"
    if code == 0x09:
        return "\\t"
    if code == 0x0D:
        return "\\r"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def terminal(text: object) -> str:
    """``text`` safe to print on a terminal: line feeds and tabs kept, every other control shown
    as an escape (``\\x1b[2J`` is printed as those six characters, never sent as ESC)."""
    return _UNSAFE_TERMINAL.sub(_escape, str(text))


def printable(text: object) -> str:
    """``text`` on one line, safe on a terminal and in a file name shown to people: every control
    (line feeds and tabs too), bidi control and undecodable byte becomes a visible escape."""
    return _UNSAFE_LINE.sub(_escape, str(text))


def has_control(text: str) -> bool:
    """Whether ``text`` holds anything :func:`terminal` would escape (ESC, C1, bidi, surrogates)."""
    return _UNSAFE_TERMINAL.search(text) is not None


def echo(*parts: object, sep: str = " ", end: str = "\n", file=None, flush: bool = False) -> None:
    """``print`` for text that may come from students: every part through :func:`terminal`."""
    print(*(terminal(p) for p in parts), sep=sep, end=end, file=file, flush=flush)


def csv_cell(value: object) -> str:
    """One CSV cell a spreadsheet reads as text: a leading ``'`` when the cell could start a
    formula (OWASP).  ``None`` is the empty cell; numbers are written as ``str`` writes them."""
    text = "" if value is None else str(value)
    if not text:
        return text
    head = text.lstrip(" \u00a0\u3000")
    if (head and head[0] in CSV_TRIGGERS) or text[0] in CSV_TRIGGERS:
        return "'" + text
    return text


def csv_row(cells: Iterable[object]) -> list[str]:
    """Every cell of a row through :func:`csv_cell`."""
    return [csv_cell(c) for c in cells]


def formula_cells(rows: Iterable[Iterable[str]]) -> list[str]:
    """The cells of parsed CSV ``rows`` that a spreadsheet would read as a formula (for tests and
    self-checks): empty when every cell is neutralised."""
    bad = []
    for row in rows:
        for cell in row:
            head = cell.lstrip(" \u00a0\u3000")
            if cell and ((head and head[0] in CSV_TRIGGERS) or cell[0] in CSV_TRIGGERS):
                bad.append(cell)
    return bad


__all__ = ["CSV_TRIGGERS", "csv_cell", "csv_row", "echo", "formula_cells", "has_control", "printable", "terminal"]
