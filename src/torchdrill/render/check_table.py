"""What ``torchdrill check`` prints: a table per chapter, what to fix, and an honest summary.

Computing (:func:`stub_rows`, :func:`summary`) is kept apart from printing (:func:`print_check`):
the rows and lines are plain data that tests read.  No points are shown: the visible checks are
only part of the grade, and the summary says how many more are hidden.
"""
from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..i18n import translation
from ..messages import GRADER_ERROR
from ..results import CheckResult, Outcome, SubmissionResult
from ..safe_text import terminal
from .gradescope import outcome_label

_STYLE = {Outcome.PASSED: "green", Outcome.NOT_IMPLEMENTED: "yellow", Outcome.WRONG: "red",
          Outcome.CRASHED: "red", Outcome.TIMEOUT: "magenta", Outcome.MEMORY: "magenta",
          Outcome.MISSING: "yellow", Outcome.GRADER_ERROR: "bold red"}
_MARK = {True: "✓", False: "✗"}


@dataclass(frozen=True)
class StubRow:
    chapter: str
    stub: str
    outcome: Outcome | None          # None: no visible check for this stub
    passed: int
    visible: int
    hidden: int
    checks: tuple[CheckResult, ...]


def stub_rows(result: SubmissionResult, counts: dict[str, dict[str, int]], order: list[str]) -> list[StubRow]:
    """One row per stub in ``order`` ("chapter.stub"): the outcome that matters most for it.

    All visible checks passed -> passed; any not implemented -> not implemented yet; otherwise the
    first failing check's outcome."""
    by_stub: dict[str, list[CheckResult]] = {}
    for c in result.checks:
        by_stub.setdefault(c.qualname, []).append(c)
    rows = []
    for qual in order:
        chapter, _, stub = qual.partition(".")
        checks = tuple(by_stub.get(qual, ()))
        failing = [c for c in checks if not c.outcome.passed]
        if not checks:
            outcome = None
        elif not failing:
            outcome = Outcome.PASSED
        elif any(c.outcome is Outcome.NOT_IMPLEMENTED for c in failing):
            outcome = Outcome.NOT_IMPLEMENTED
        else:
            outcome = failing[0].outcome
        rows.append(StubRow(chapter, stub, outcome, len(checks) - len(failing), len(checks),
                            counts.get(qual, {}).get("hidden", 0), checks))
    return rows


def summary(rows: list[StubRow], lang: str) -> list[str]:
    """The closing lines: how many visible checks passed, and how many more are hidden."""
    t = translation(lang)
    _, ngettext = t.gettext, t.ngettext
    passed, total = sum(r.passed for r in rows), sum(r.visible for r in rows)
    hidden = sum(r.hidden for r in rows)
    if hidden:
        later = ngettext("{n} more check is hidden and runs when your work is graded.",
                         "{n} more checks are hidden and run when your work is graded.", hidden).format(n=hidden)
    else:
        later = _("No check is hidden here: your work is graded with these checks when you submit it.")
    if total == 0:
        return [_("There is no visible check to run here.") + " " + later]
    if passed == total:
        return [_("All visible checks passed.") + " " + later]
    lines = [_("{passed} of {total} visible checks passed.").format(passed=passed, total=total) + " " + later]
    todo = sum(1 for r in rows if r.outcome is Outcome.NOT_IMPLEMENTED)
    if todo:
        lines.append(ngettext("{n} function is not implemented yet.", "{n} functions are not implemented yet.",
                              todo).format(n=todo))
    lines.append(_("Fix what the messages above say, then run torchdrill check again."))
    return lines


def print_check(result: SubmissionResult, rows: list[StubRow], titles: dict[str, str],
                console: Console | None = None) -> None:
    """One table per chapter (stub, result, visible checks passed, hidden checks), then for each
    failing check its message (expected, got, hint; the student's own lines after a crash)."""
    console = console or Console(highlight=False)
    _ = translation(result.lang).gettext
    chapters: dict[str, list[StubRow]] = {}
    for row in rows:
        chapters.setdefault(row.chapter, []).append(row)
    for chapter, chapter_rows in chapters.items():
        table = Table(title=f"{chapter} — {titles.get(chapter, '')}".rstrip(" —"), title_justify="left",
                      title_style="bold")
        table.add_column(_("function"))
        table.add_column(_("result"))
        table.add_column(_("visible checks"), justify="right")
        table.add_column(_("hidden checks"), justify="right")
        for row in chapter_rows:
            if row.outcome is None:
                label = Text(_("no visible check"), style="dim")
            else:
                label = Text(outcome_label(row.outcome, result.lang), style=_STYLE[row.outcome])
            shown = _("{passed}/{total} passed").format(passed=row.passed, total=row.visible) if row.visible else "—"
            table.add_row(row.stub, label, shown, str(row.hidden) if row.hidden else "—")
        console.print(table)
        for row in chapter_rows:
            for c in row.checks:
                if c.outcome.passed or c.outcome is Outcome.NOT_IMPLEMENTED:
                    continue
                c = c.localized(result.lang)         # its title and message, from the structure
                head = Text(f"{_MARK[False]} {c.stub}: {c.title} ", style="bold")
                head.append(f"({outcome_label(c.outcome, result.lang)})", style=_STYLE[c.outcome])
                console.print(head)
                _print_indented(console, terminal(c.message), 4)
        console.print()
    for note in _student_notes(result):
        console.print(Text(terminal(f"• {note}"), style="yellow"))
    if result.error:
        console.print(Text(_(GRADER_ERROR), style="bold red"))
    all_passed = all(r.outcome in (Outcome.PASSED, None) for r in rows)
    for i, line in enumerate(summary(rows, result.lang)):
        console.print(Text(line, style=("bold green" if all_passed else "bold") if i == 0 else ""))


def _student_notes(result: SubmissionResult) -> list[str]:
    """The notes a student can act on, in the result's language: reduced sandbox isolation is
    expected on a student's machine and left out."""
    if result.note_msgs:
        return [m.render(result.lang) for m in result.note_msgs if not m.id.startswith("sandbox isolation reduced")]
    return [n for n in result.notes if not n.startswith("sandbox isolation reduced")]


def _print_indented(console: Console, message: str, indent: int) -> None:
    """The message under its heading, wrapped to the terminal (wide Korean characters counted as
    two columns), every line indented, no trailing spaces."""
    width = max(20, console.width - indent)
    for line in (message or "").splitlines():
        for part in Text(line).wrap(console, width) if line else [Text("")]:
            part.rstrip()
            console.print(Text(" " * indent) + part, soft_wrap=True)
