"""Messages as data: an id and named parameters, translated only where someone reads them.

A grader never builds finished text.  It states a message as an English message id with named
parameters, and every renderer (terminal, results.json, gradebook, report, feedback pages,
nbgrader cells, ``check`` tables) turns it into text in the reader's language through one gettext
domain (:mod:`torchdrill.i18n`).  Because the structure is stored with the result, a folder graded
in one language can be rendered again in the other without grading anything again.

The rule a grader author keeps in mind is short:

* a **plain string** given where a message is due (a summary, ``expected=``, ``got=``, ``hint=``,
  ``what=``, a check's title) is a message id: translated when the catalog has it, shown as it is
  when it has not (``"torch.Tensor"`` needs no translation);
* ``msg("{func} returned {n} values", func="train", n=3)`` is a message with parameters.  A
  parameter that is a ``str``, a number or a list is **verbatim** (code, identifiers, numbers, the
  student's own text: never translated); a parameter that is prose is itself a ``msg(...)``.

Nothing here imports torch: results, renderers and the batch driver stay light.
"""
from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

from .i18n import gettext_for

Verbatim = str | int | float | bool | None | list[Any] | tuple[Any, ...]
Param = Union["Msg", Verbatim]
Part = Union["Msg", str, None]


class Msg:
    """One message: an English id (a ``str.format`` template when it has parameters) and its
    parameters.  Immutable, hashable, comparable, and plain JSON as data."""

    __slots__ = ("id", "params")

    def __init__(self, id: str, /, **params: Param) -> None:
        if not isinstance(id, str):
            raise TypeError(f"a message id is a str, not {type(id).__name__}")
        object.__setattr__(self, "id", id)
        object.__setattr__(self, "params", tuple(sorted((k, _freeze(v)) for k, v in params.items())))

    id: str
    params: tuple[tuple[str, Param], ...]

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Msg is immutable")

    def __reduce__(self) -> tuple[Any, ...]:        # pickling and copying (the pool sends results)
        return (_rebuild, (self.id, self.params))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Msg) and (self.id, self.params) == (other.id, other.params)

    def __hash__(self) -> int:
        return hash((self.id, self.params))

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self.params)
        return f"msg({self.id!r}{args})"

    def __bool__(self) -> bool:
        return bool(self.id.strip())

    def param(self, name: str, default: Param = None) -> Param:
        return dict(self.params).get(name, default)

    def render(self, lang: str) -> str:
        """The text in ``lang``.  A translation whose placeholders do not match the parameters
        falls back to the English template rather than losing the message."""
        translated = _lookup(self.id, lang)
        if not self.params:
            return translated
        values = {k: _render_param(v, lang) for k, v in self.params}
        for template in (translated, self.id):
            try:
                return template.format(**values)
            except (KeyError, IndexError, ValueError, AttributeError):
                continue
        return self.id + " " + ", ".join(f"{k}={v}" for k, v in values.items())

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id}
        if self.params:
            data["params"] = {k: _param_data(v) for k, v in self.params}
        return data

    @classmethod
    def from_data(cls, data: Any) -> Msg:
        """The inverse of :meth:`to_data`; a bare string (an older result) is a message id."""
        if isinstance(data, str):
            return cls(data)
        if not isinstance(data, Mapping) or not isinstance(data.get("id"), str):
            raise ValueError(f"not a message: {data!r:.80}")
        params = data.get("params") or {}
        return cls(data["id"], **{str(k): _param_from_data(v) for k, v in params.items()})

    def placeholders(self) -> set[str]:
        return placeholders(self.id)


def _rebuild(message_id: str, params: tuple[tuple[str, Param], ...]) -> Msg:
    return Msg(message_id, **dict(params))


def msg(id: str, /, **params: Param) -> Msg:
    """A message with parameters (see the module docstring for which parameters are translated)."""
    return Msg(id, **params)


def code(text: Verbatim) -> Msg:
    """Text shown exactly as it is, in every language: code, a shape, a number, a value."""
    return Msg("{code}", code=text)


def N_(text: str) -> str:
    """Mark a message id kept in a constant: extracted into the catalog, translated when shown."""
    return text


#: what a student reads when grading broke through no fault of theirs
GRADER_ERROR = N_("grader error: this is not your fault, please tell the course staff.")


def as_msg(part: Part) -> Msg | None:
    """A message part as a grader may give it (a plain id, a :class:`Msg`, or nothing)."""
    if part is None or isinstance(part, Msg):
        return part if part else None
    if isinstance(part, str):
        return Msg(part) if part.strip() else None
    raise TypeError(f"a message part is a str or msg(...), not {type(part).__name__}")


def render(part: Part, lang: str) -> str:
    """Text of a part in ``lang`` ("" for nothing)."""
    m = as_msg(part)
    return m.render(lang) if m is not None else ""


def placeholders(template: str) -> set[str]:
    """The named fields of a ``str.format`` template (empty when it is not one)."""
    try:
        return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template)
                if name}
    except ValueError:
        return set()


def _lookup(message_id: str, lang: str) -> str:
    if not message_id.strip():
        return message_id          # gettext("") is the catalog's header, never a message
    return gettext_for(lang)(message_id)


def _freeze(value: Any) -> Param:
    if isinstance(value, (Msg, str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return str(value)              # anything else is shown as text, never as a live object


def _render_param(value: Param, lang: str) -> Any:
    if isinstance(value, Msg):
        return value.render(lang)
    if isinstance(value, tuple):       # a list of parts reads as one, comma-separated
        return ", ".join(str(_render_param(v, lang)) for v in value)
    return value


def _param_data(value: Param) -> Any:
    if isinstance(value, Msg):
        return value.to_data()
    if isinstance(value, tuple):
        return [_param_data(v) for v in value]
    return value


def _param_from_data(value: Any) -> Param:
    if isinstance(value, Mapping):
        return Msg.from_data(value)
    if isinstance(value, list):
        return tuple(_param_from_data(v) for v in value)
    return _freeze(value)          # JSON's str, int, float, bool or None: as it is


# ----------------------------------------------------------------------------- feedback

@dataclass(frozen=True)
class Frame:
    """One line of the student's own traceback, verbatim."""

    line: Any
    func: str
    code: str

    def render(self, lang: str) -> str:
        return Msg("  line {line}, in {func}: {code}", line=self.line, func=self.func, code=self.code).render(lang)


@dataclass(frozen=True)
class Feedback:
    """What a student reads about one check, as data: a summary, what was expected, what came back,
    a hint, the student's own traceback lines, and any further lines (``details``)."""

    summary: Msg
    expected: Msg | None = None
    got: Msg | None = None
    hint: Msg | None = None
    trace: tuple[Frame, ...] = ()
    details: tuple[Msg, ...] = field(default=())

    @classmethod
    def of(cls, summary: Part, expected: Part = None, got: Part = None, hint: Part = None, *,
           trace: Iterable[Frame] = (), details: Iterable[Part] = ()) -> Feedback:
        return cls(as_msg(summary) or Msg(""), as_msg(expected), as_msg(got), as_msg(hint), tuple(trace),
                   tuple(m for m in map(as_msg, details) if m is not None))

    def lines(self, lang: str) -> list[str]:
        out = [self.summary.render(lang)] if self.summary else []
        out += [d.render(lang) for d in self.details]
        if self.trace:
            out.append(Msg("where (your code):").render(lang))
            out += [f.render(lang) for f in self.trace]
        for label, part in ((N_("expected: {0}"), self.expected), (N_("got:      {0}"), self.got),
                            (N_("hint: {0}"), self.hint)):
            if part is not None:
                out.append(_lookup(label, lang).format(part.render(lang)))
        return out

    def render(self, lang: str) -> str:
        return "\n".join(self.lines(lang))

    def parts(self) -> Iterable[Msg]:
        """Every message in it, for tests that read a catalog's coverage."""
        yield self.summary
        yield from self.details
        yield from (p for p in (self.expected, self.got, self.hint) if p is not None)

    def with_call(self, expected: Part, hint: Part) -> Feedback:
        """The same feedback, saying what the call should have returned (a crash teaches too)."""
        return Feedback(self.summary, as_msg(expected) or self.expected,
                        Msg("the exception above") if as_msg(expected) else self.got,
                        self.hint or as_msg(hint), self.trace, self.details)

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"summary": self.summary.to_data()}
        for name in ("expected", "got", "hint"):
            part = getattr(self, name)
            if part is not None:
                data[name] = part.to_data()
        if self.trace:
            data["trace"] = [{"line": f.line, "func": f.func, "code": f.code} for f in self.trace]
        if self.details:
            data["details"] = [d.to_data() for d in self.details]
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Feedback:
        def part(name: str) -> Msg | None:
            return Msg.from_data(data[name]) if data.get(name) is not None else None
        return cls(Msg.from_data(data.get("summary", "")), part("expected"), part("got"), part("hint"),
                   tuple(Frame(f.get("line", "?"), str(f.get("func", "?")), str(f.get("code", "")))
                         for f in data.get("trace", ()) if isinstance(f, Mapping)),
                   tuple(Msg.from_data(d) for d in data.get("details", ())))
