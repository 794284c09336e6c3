"""The one tree of exceptions torchdrill raises on purpose.

Every error knows its exit code and carries a message that a person can act on: it says what is
wrong and how to fix it.  The CLI catches :class:`TorchdrillError` in one place, prints
``str(exc)`` and exits with ``exc.exit_code``; anything else that escapes is a bug.

    TorchdrillError            exit 2  (base; never raised itself)
    ├── UsageError             exit 2  bad command-line input, unknown chapter or stub
    │   └── UnknownNameError   exit 2  an unknown name, with "did you mean" or the known names
    ├── CourseError            exit 3  course.yml missing or invalid, course layout broken
    ├── SandboxError           exit 5  the sandbox could not start
    └── GraderError            exit 6  a grader itself broke (not the student's fault)

Exit 0 means graded (whatever the score) and 1 is left to Python's own uncaught errors; 4 is not
used (a submission that cannot be read is graded 0 with a note, never an error of the run).
Nothing here imports torch.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from .messages import N_, Msg, msg

__all__ = [
    "CourseError",
    "GraderError",
    "SandboxError",
    "TorchdrillError",
    "UnknownNameError",
    "UsageError",
    "closest",
]


class TorchdrillError(Exception):
    """Base of every error torchdrill raises on purpose; ``str(exc)`` is the message to print.

    The message is text, or a :class:`~torchdrill.messages.Msg` that people read in their own
    language (:meth:`render`; ``str(exc)`` is its English)."""

    exit_code: int = 2

    def __init__(self, message: str | Msg) -> None:
        self.msg = message if isinstance(message, Msg) else None
        text = message.render("en") if isinstance(message, Msg) else message
        super().__init__(text)
        self.message = text

    def __str__(self) -> str:
        return self.message

    def render(self, lang: str) -> str:
        """The message in ``lang`` (text given as text stays as it is)."""
        return self.msg.render(lang) if self.msg is not None else self.message


class UsageError(TorchdrillError):
    """Bad command-line input: an unknown chapter or stub, a missing or malformed argument."""

    exit_code = 2


class CourseError(TorchdrillError):
    """course.yml is missing or invalid, or the course layout (solutions/, graders/…) is broken."""

    exit_code = 3


class SandboxError(TorchdrillError):
    """The sandbox that runs student code could not start."""

    exit_code = 5


class GraderError(TorchdrillError):
    """A grader itself broke: not the student's fault, staff must look."""

    exit_code = 6


_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")


def _normalise(name: str) -> str:
    """Fold a name for loose comparison: lower case, no leading zeros in numbers, no underscores.

    "ex7" and "ex07_optimization" become "ex7" and "ex7optimization"; "ex10" stays "ex10".
    """
    return _LEADING_ZEROS.sub("", name.lower()).replace("_", "")


def closest(name: str, choices: Iterable[str]) -> str | None:
    """The one choice ``name`` most likely meant, or None when nothing is close.

    In order: a choice equal to ``name`` once both are normalised (``ex7_optimization``), the only
    choice that starts with the normalised name (``ex7``), the only choice that contains it
    (``optim``), then :func:`difflib.get_close_matches` with cutoff 0.5, on the names as written
    and then normalised.  Prefix and substring matches count only when exactly one choice fits
    (``ex`` fits every chapter and suggests none of them) and the name has at least two
    characters.
    """
    options = list(dict.fromkeys(choices))  # keep order, drop repeats
    if not options:
        return None
    folded = {option: _normalise(option) for option in options}
    key = _normalise(name)
    same = [option for option in options if folded[option] == key]
    if same:
        return same[0]
    if len(key) >= 2:
        for fits in (str.startswith, str.__contains__):
            hits = [option for option in options if fits(folded[option], key)]
            if len(hits) == 1:
                return hits[0]
    match = difflib.get_close_matches(name, options, n=1, cutoff=0.5)
    if match:
        return match[0]
    by_fold: dict[str, str] = {}
    for option in options:
        by_fold.setdefault(folded[option], option)
    match = difflib.get_close_matches(key, list(by_fold), n=1, cutoff=0.5)
    return by_fold[match[0]] if match else None


_GUESS = object()  # UnknownNameError's default: guess the suggestion with closest()


class UnknownNameError(UsageError):
    """An unknown chapter, stub, key… named by the user.

    ``UnknownNameError("chapter", "ex7", ids)`` reads
    ``unknown chapter 'ex7': did you mean 'ex07_optimization'?``, or, when no id is close,
    ``unknown chapter 'ex9': known chapters: ex01_tensors, ex02_tensor_ops, …``.
    ``suggestion`` replaces the guess (say, a stub's qualified name for a bare stub name);
    ``suggestion=None`` means "suggest nothing, list the known names".
    """

    def __init__(
        self,
        kind: str,
        name: str,
        choices: Iterable[str],
        suggestion: str | object | None = _GUESS,
    ) -> None:
        self.kind = kind
        self.name = name
        self.choices = tuple(dict.fromkeys(choices))
        self.suggestion: str | None = (
            closest(name, self.choices) if suggestion is _GUESS else suggestion  # type: ignore[assignment]
        )
        super().__init__(self._message())

    def _message(self) -> str | Msg:
        if self.kind not in _KINDS:           # a kind without words in the catalog: English only
            head = f"unknown {self.kind} {self.name!r}"
            if self.suggestion is not None:
                return f"{head}: did you mean '{self.suggestion}'?"
            if self.choices:
                return f"{head}: known {self.kind}s: {', '.join(self.choices)}"
            return f"{head}: there are no {self.kind}s"
        one, many = (msg(k) for k in _KINDS[self.kind])
        if self.suggestion is not None:
            return msg("unknown {kind} {name}: did you mean '{suggestion}'?", kind=one, name=repr(self.name),
                       suggestion=self.suggestion)
        if self.choices:
            return msg("unknown {kind} {name}: known {kinds}: {choices}", kind=one, kinds=many,
                       name=repr(self.name), choices=list(self.choices))
        return msg("unknown {kind} {name}: there are no {kinds}", kind=one, kinds=many, name=repr(self.name))


#: the kinds of names UnknownNameError words in every language: kind -> (one, many)
_KINDS = {
    "chapter": (N_("chapter"), N_("chapters")),
    "stub": (N_("stub"), N_("stubs")),
    "language": (N_("language"), N_("languages")),
    "roster column": (N_("roster column"), N_("roster columns")),
}
