"""Terminal output with rich: a table per chapter, one row per check.

Everything shown is text, never rich markup, and goes through
:func:`torchdrill.safe_text.terminal` first: a submission's name or a student's message can hold
ESC sequences (clear screen, window title, clipboard, hyperlinks) or ``[link=…]`` markup."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..i18n import gettext_for
from ..results import Outcome, SubmissionResult
from ..safe_text import terminal
from .gradescope import outcome_label

_STYLE = {Outcome.PASSED: "green", Outcome.NOT_IMPLEMENTED: "yellow", Outcome.WRONG: "red",
          Outcome.CRASHED: "red", Outcome.TIMEOUT: "magenta", Outcome.MEMORY: "magenta",
          Outcome.MISSING: "yellow", Outcome.GRADER_ERROR: "bold red"}


def print_summary(result: SubmissionResult, console: Console | None = None, *, details: bool = True) -> None:
    console = console or Console(stderr=False, highlight=False)
    result = result.localized(result.lang)        # every title, message and note from the structure
    _ = gettext_for(result.lang)
    table = Table(title=Text(terminal(f"{result.submission}: {result.score:g} / {result.max_score:g}")),
                  show_lines=False, title_justify="left")
    table.add_column(_("check"))
    table.add_column(_("result"))
    table.add_column(_("points"), justify="right")
    for c in result.checks:
        table.add_row(Text(terminal(c.name)), Text(outcome_label(c.outcome, result.lang), style=_STYLE[c.outcome]),
                      f"{c.score:g}/{c.max_score:g}")
    console.print(table)
    for note in result.notes:
        console.print(Text(terminal(f"• {note}"), style="yellow"))
    if details:
        for c in result.checks:
            if not c.outcome.passed and c.outcome not in (Outcome.NOT_IMPLEMENTED, Outcome.GRADER_ERROR) and c.message:
                console.print(Text(terminal(f"\n{c.name}"), style="bold"))
                console.print(Text(terminal(c.message)))
