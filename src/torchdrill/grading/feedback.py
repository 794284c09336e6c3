"""The exceptions a grader raises, and what students read about how their code ended.

``WrongAnswer`` is a wrong result (the check ladder raises it); ``StudentProblem`` is any other
way the student's code ended (not implemented, crashed, timed out ...).  Both carry a
:class:`~torchdrill.messages.Feedback` (message ids and parameters, never finished text): the
pytest plugin files it with the result, and each renderer translates it for its reader.
"""
from __future__ import annotations

import contextvars
import signal as _signal
from typing import Any

from ..messages import N_, Feedback, Frame, Msg, Part, msg
from ..results import Outcome

_lang: contextvars.ContextVar[str] = contextvars.ContextVar("torchdrill_lang", default="en")


def set_language(lang: str) -> None:
    """The language exception texts (``str(exc)``, pytest's own view) are written in."""
    _lang.set(lang)


def language() -> str:
    return _lang.get()


class WrongAnswer(AssertionError):
    """The student's code returned something, and it is not right."""

    __tracebackhide__ = True

    def __init__(self, summary: Part, expected: Part = None, got: Part = None, hint: Part = None):
        self.feedback = Feedback.of(summary, expected, got, hint)
        super().__init__(self.render())

    def render(self, lang: str | None = None) -> str:
        return self.feedback.render(lang or _lang.get())


class StudentProblem(Exception):
    """The student's code did not get as far as returning a value to judge."""

    def __init__(self, outcome: Outcome, feedback: Feedback | Part):
        self.outcome = outcome
        self.feedback = feedback if isinstance(feedback, Feedback) else Feedback.of(feedback)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return self.feedback.render(_lang.get())


def wrong(summary: Part, expected: Part = None, got: Part = None, hint: Part = None) -> WrongAnswer:
    return WrongAnswer(summary, expected, got, hint)


# ----------------------------------------------------------------------------- call outcomes

def _frames(error: dict[str, Any]) -> tuple[Frame, ...]:
    return tuple(Frame(fr.get("line", "?"), str(fr.get("func", "?")), str(fr.get("code", "")))
                 for fr in (error.get("frames") or []) if type(fr) is dict)


def _exc(error: dict[str, Any]) -> str:
    """The exception the student's code raised, verbatim (their words, never translated)."""
    text = str(error.get("message", "")).strip()
    if len(text) > 400:   # enough to read; not a channel to smuggle out what the process held
        text = text[:400] + " …"
    name = str(error.get("exc_type", "Exception"))
    return f"{name}: {text}" if text else name


_EXIT_HINTS = {
    "SystemExit": N_("sys.exit() or exit() ends the whole program; return a value instead."),
    "KeyboardInterrupt": N_("your code raised KeyboardInterrupt; return a value instead."),
    "Skipped": N_("pytest.skip() cannot skip a check: the check counts as failed."),
    "Exit": N_("pytest.exit() cannot end grading: the check counts as failed."),
    "Failed": N_("pytest.fail() in your code only fails your own check."),
}


def _exit_hint(error: dict[str, Any]) -> Msg | None:
    hint = _EXIT_HINTS.get(str(error.get("exc_type", "")).rsplit(".", 1)[-1])
    return Msg(hint) if hint else None


def _raised(err: dict[str, Any], func: str, module: str, limits: Any) -> StudentProblem:
    if "File too large" in _exc(err):
        return StudentProblem(Outcome.CRASHED, msg(
            "{func} printed more than {mb} MB of output and was stopped.", func=func, mb=limits.file_mb))
    return StudentProblem(Outcome.CRASHED, Feedback.of(
        msg("{func} raised {exc}", func=func, exc=_exc(err)), hint=_exit_hint(err), trace=_frames(err)))


def _import_failed(err: dict[str, Any], func: str, module: str, limits: Any) -> StudentProblem:
    if "File too large" in _exc(err):
        return _raised(err, func, module, limits)
    kind = str(err.get("exc_type", ""))
    if kind == "UnicodeDecodeError":
        return StudentProblem(Outcome.CRASHED, msg(
            "{module} could not be read: it is not UTF-8 text. Save it as UTF-8.", module=module))
    if ("line" in err and kind.endswith("Error") and "Syntax" in kind) or kind in ("IndentationError", "TabError"):
        return StudentProblem(Outcome.CRASHED, msg(
            "{module} has a syntax error at line {line}: {msg}\n  {code}", module=module,
            line=err.get("line", "?"), msg=str(err.get("message", "")), code=str(err.get("code", ""))))
    return StudentProblem(Outcome.CRASHED, Feedback.of(
        msg("loading {module} failed: {exc}", module=module, exc=_exc(err)), hint=_exit_hint(err),
        trace=_frames(err)))


def _killed(result: Any, func: str) -> StudentProblem:
    try:
        name = _signal.Signals(result.signal).name
    except (ValueError, TypeError):
        name = str(result.signal)
    return StudentProblem(Outcome.CRASHED, msg(
        "the process running {func} was killed by signal {sig} before it returned.", func=func, sig=name))


def call_problem(result: Any, *, module: str, func: str, limits: Any) -> StudentProblem:
    """Turn a non-ok sandbox ``CallResult`` into the outcome and feedback a student reads."""
    s, err = result.status, result.error or {}
    if s == "raised" and err.get("not_implemented"):
        return StudentProblem(Outcome.NOT_IMPLEMENTED, msg("{func} is not implemented yet.", func=func))
    if s == "raised":
        return _raised(err, func, module, limits)
    if s == "memory" or (s == "import_error" and err.get("memory")):
        return StudentProblem(Outcome.MEMORY, msg(
            "{func} used more than {mb} MB of memory and was stopped.", func=func, mb=limits.memory_mb))
    if s == "import_error":
        return _import_failed(err, func, module, limits)
    if s == "killed":
        return _killed(result, func)
    simple = {
        "timeout": (Outcome.TIMEOUT, msg("{func} ran longer than {s:g} s and was stopped (an endless loop?).",
                                         func=func, s=limits.call_seconds)),
        "cpu": (Outcome.TIMEOUT, msg("{func} used more than {s} s of CPU time and was stopped (an endless loop?).",
                                     func=func, s=limits.cpu_seconds)),
        "threads": (Outcome.CRASHED, msg("{func} returned while threads it started were still running. Finish "
                                         "(join) every thread before returning.", func=func)),
        "missing_function": (Outcome.MISSING, msg("{func} is not defined as a function in {module}.",
                                                  func=func, module=module)),
        "no_result": (Outcome.CRASHED, msg("{func} ended the process before returning (exit status {code}). "
                                           "Do not call os._exit() or sys.exit(); return a value.",
                                           func=func, code=result.exit)),
        "bad_result": (Outcome.WRONG, msg("{func} returned something that cannot be read as data (plain "
                                          "tensors, numbers, lists).", func=func)),
        "probe_error": (Outcome.CRASHED, msg("{func} returned, but examining what it left behind failed: {exc}",
                                             func=func, exc=_exc(err))),
    }
    simple["unsaveable"] = simple["bad_result"]
    if s in simple:
        return StudentProblem(*simple[s])
    return StudentProblem(Outcome.GRADER_ERROR, msg(
        "grader error: this is not your fault, please tell the course staff. [{status}]", status=s))
