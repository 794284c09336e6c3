"""CSV cells that a spreadsheet cannot run: OWASP's rule for CSV injection.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a formula
by Excel, LibreOffice and Google Sheets; it gets a leading ``'`` so it is read as text (one rule
for every CSV torchdrill writes: :func:`torchdrill.safe_text.csv_cell`, which also looks past
leading white space).  Quoting
(commas, quotes, new lines) is left to :mod:`csv`.  Scores are written by :func:`number` (never
negative, so never neutralised).
"""
from __future__ import annotations

import csv
import io

from ..safe_text import csv_cell

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: object) -> str:
    return csv_cell(cell)


def number(x: float) -> str:
    """A score as the LMS reads it: at most four decimals, no trailing zeros, ``.`` as the point."""
    x = round(float(x), 4)
    return f"{x:.4f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def csv_text(rows: list[list[object]]) -> str:
    """Rows as CSV (``\\r\\n`` line ends, as RFC 4180 and both LMSs write them), every cell neutralised."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise(c) for c in row])
    return buf.getvalue()
