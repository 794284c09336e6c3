"""The exceptions a grader raises, and the wording of what students read.

``WrongAnswer`` is a wrong result (the check ladder raises it); ``StudentProblem`` is any other
way the student's code ended (not implemented, crashed, timed out ...).  Both carry the final,
translated message: the pytest plugin only files them, it never shows a traceback or grader code.
"""
from __future__ import annotations

import contextvars
import signal as _signal

from ..i18n import gettext_for
from ..results import Outcome

_lang: contextvars.ContextVar[str] = contextvars.ContextVar("torchdrill_lang", default="en")


def set_language(lang: str) -> None:
    _lang.set(lang)


def language() -> str:
    return _lang.get()


def _(text: str) -> str:
    return gettext_for(_lang.get())(text)


class WrongAnswer(AssertionError):
    """The student's code returned something, and it is not right."""

    __tracebackhide__ = True

    def __init__(self, summary: str, expected: str = "", got: str = "", hint: str = ""):
        self.summary, self.expected, self.got, self.hint = summary, expected, got, hint
        super().__init__(self.render())

    def render(self) -> str:
        """The message in the current language.  Each part is looked up as a message id too, so a
        grader's literal English (``checks.expect(ok, "the result still has a grad_fn", ...)``)
        reads in Korean when the catalog has it; text already formatted or translated is not an
        id and comes back unchanged."""
        lines = [_text(self.summary)]
        if self.expected:
            lines.append(_("expected: {0}").format(_text(self.expected)))
        if self.got:
            lines.append(_("got:      {0}").format(_text(self.got)))
        if self.hint:
            lines.append(_("hint: {0}").format(_text(self.hint)))
        return "\n".join(lines)


def _text(part: str) -> str:
    """``_(part)`` for a non-empty part (gettext of "" is the catalog's header, never a message)."""
    return _(part) if isinstance(part, str) and part.strip() else part


class StudentProblem(Exception):
    """The student's code did not get as far as returning a value to judge."""

    def __init__(self, outcome: Outcome, message: str):
        self.outcome, self.message = outcome, message
        super().__init__(message)


def wrong(summary: str, expected: str = "", got: str = "", hint: str = "") -> WrongAnswer:
    return WrongAnswer(summary, expected, got, hint)


# ----------------------------------------------------------------------------- call outcomes

def _frames(error: dict) -> str:
    lines = []
    for fr in error.get("frames", []) or []:
        if type(fr) is dict:
            lines.append(_("  line {line}, in {func}: {code}").format(
                line=fr.get("line", "?"), func=fr.get("func", "?"), code=fr.get("code", "")))
    return "\n".join(lines)


def _exc(error: dict) -> str:
    msg = str(error.get("message", "")).strip()
    if len(msg) > 400:   # enough to read; not a channel to smuggle out what the process held
        msg = msg[:400] + " …"
    name = str(error.get("exc_type", "Exception"))
    return f"{name}: {msg}" if msg else name


_EXIT_HINTS = {
    "SystemExit": "sys.exit() or exit() ends the whole program; return a value instead.",
    "KeyboardInterrupt": "your code raised KeyboardInterrupt; return a value instead.",
    "Skipped": "pytest.skip() cannot skip a check: the check counts as failed.",
    "Exit": "pytest.exit() cannot end grading: the check counts as failed.",
    "Failed": "pytest.fail() in your code only fails your own check.",
}


def call_problem(result, *, module: str, func: str, limits) -> StudentProblem:
    """Turn a non-ok sandbox ``CallResult`` into the outcome and message a student reads."""
    s, err = result.status, result.error or {}
    if s == "raised" and err.get("not_implemented"):
        return StudentProblem(Outcome.NOT_IMPLEMENTED, _("{func} is not implemented yet.").format(func=func))
    if s in ("raised", "import_error") and "File too large" in _exc(err):
        return StudentProblem(Outcome.CRASHED, _(
            "{func} printed more than {mb} MB of output and was stopped.").format(func=func, mb=limits.file_mb))
    if s == "raised":
        text = _exc(err)
        if "File too large" in text:
            return StudentProblem(Outcome.CRASHED, _(
                "{func} printed more than {mb} MB of output and was stopped.").format(func=func, mb=limits.file_mb))
        msg = _("{func} raised {exc}").format(func=func, exc=text)
        frames = _frames(err)
        if frames:
            msg += "\n" + _("where (your code):") + "\n" + frames
        hint = _EXIT_HINTS.get(str(err.get("exc_type", "")).rsplit(".", 1)[-1])
        if hint:
            msg += "\n" + _("hint: {0}").format(_(hint))
        return StudentProblem(Outcome.CRASHED, msg)
    if s == "memory" or (s == "import_error" and err.get("memory")):
        return StudentProblem(Outcome.MEMORY, _(
            "{func} used more than {mb} MB of memory and was stopped.").format(func=func, mb=limits.memory_mb))
    if s == "timeout":
        return StudentProblem(Outcome.TIMEOUT, _(
            "{func} ran longer than {s:g} s and was stopped (an endless loop?).").format(
                func=func, s=limits.call_seconds))
    if s == "cpu":
        return StudentProblem(Outcome.TIMEOUT, _(
            "{func} used more than {s} s of CPU time and was stopped (an endless loop?).").format(
                func=func, s=limits.cpu_seconds))
    if s == "import_error":
        if err.get("exc_type") == "UnicodeDecodeError":
            return StudentProblem(Outcome.CRASHED, _(
                "{module} could not be read: it is not UTF-8 text. Save it as UTF-8.").format(module=module))
        if "line" in err and str(err.get("exc_type", "")).endswith("Error") and "Syntax" in str(err.get("exc_type")) \
                or err.get("exc_type") in ("IndentationError", "TabError"):
            return StudentProblem(Outcome.CRASHED, _(
                "{module} has a syntax error at line {line}: {msg}\n  {code}").format(
                    module=module, line=err.get("line", "?"), msg=err.get("message", ""), code=err.get("code", "")))
        msg = _("loading {module} failed: {exc}").format(module=module, exc=_exc(err))
        frames = _frames(err)
        if frames:
            msg += "\n" + _("where (your code):") + "\n" + frames
        hint = _EXIT_HINTS.get(str(err.get("exc_type", "")).rsplit(".", 1)[-1])
        if hint:
            msg += "\n" + _("hint: {0}").format(_(hint))
        return StudentProblem(Outcome.CRASHED, msg)
    if s == "threads":
        return StudentProblem(Outcome.CRASHED, _(
            "{func} returned while threads it started were still running. Finish (join) every thread "
            "before returning.").format(func=func))
    if s == "missing_function":
        return StudentProblem(Outcome.MISSING, _("{func} is not defined as a function in {module}.").format(
            func=func, module=module))
    if s == "no_result":
        return StudentProblem(Outcome.CRASHED, _(
            "{func} ended the process before returning (exit status {code}). "
            "Do not call os._exit() or sys.exit(); return a value.").format(func=func, code=result.exit))
    if s == "killed":
        try:
            name = _signal.Signals(result.signal).name
        except (ValueError, TypeError):
            name = str(result.signal)
        return StudentProblem(Outcome.CRASHED, _(
            "the process running {func} was killed by signal {sig} before it returned.").format(func=func, sig=name))
    if s in ("bad_result", "unsaveable"):
        return StudentProblem(Outcome.WRONG, _(
            "{func} returned something that cannot be read as data (plain tensors, numbers, lists).").format(func=func))
    if s == "probe_error":
        return StudentProblem(Outcome.CRASHED, _(
            "{func} returned, but examining what it left behind failed: {exc}").format(func=func, exc=_exc(err)))
    return StudentProblem(Outcome.GRADER_ERROR, _(
        "grader error: this is not your fault, please tell the course staff.") + f" [{s}]")
