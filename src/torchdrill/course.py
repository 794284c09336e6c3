"""course.yml: the one manifest of a course, validated on load into frozen objects.

Schema version 1, every key with its default (``schema_reference()`` prints the same list from
the models below, so this text and the code cannot drift far)::

    schema_version: 1          # required; this torchdrill reads version 1 only
    title: {ko: …, en: …}      # required; the course title in both languages
    language: ko               # default feedback language: ko | en
    device: auto               # where graders run: auto (cuda, else mps, else cpu) | cpu | cuda | mps
    limits:                    # per sandboxed call unless said
      call_seconds: 10         # wall clock per call
      cpu_seconds: 10          # CPU time per call (RLIMIT_CPU, soft = hard)
      memory_mb: 1024          # address space allowed above the warmed-up sandbox process
      output_kb: 64            # stdout + stderr kept per call
      submission_seconds: 600  # the whole submission
    chapters:                  # required, at least one, in order
      - id: ex01_tensors       # exNN_name; exercises/ex01_tensors.py, graders/test_ex01_tensors.py
        title: {ko: …, en: …}
        stubs:                 # required, at least one: stub name -> points (> 0), in order
          make_tensor: 2

Errors name the file and the key, say what is wrong and how to fix it, e.g.
``course.yml: limits.cpu_secs: unknown key; did you mean 'cpu_seconds'?``.  They are raised as
:class:`~torchdrill.errors.CourseError`.  Nothing here imports torch.
"""
from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import ErrorDetails, PydanticCustomError

from .errors import CourseError, UnknownNameError, closest

__all__ = [
    "COURSE_FILE",
    "SCHEMA_VERSION",
    "Chapter",
    "Course",
    "FrozenDict",
    "Limits",
    "Text",
    "find_course_file",
    "load_course",
    "schema_reference",
]

COURSE_FILE = "course.yml"
SCHEMA_VERSION = 1
CHAPTER_ID = re.compile(r"ex[0-9]{2}_[a-z0-9_]+")  # matched whole: ^ex\d\d_[a-z0-9_]+$ in ASCII

Language = Literal["ko", "en"]
Device = Literal["auto", "cpu", "cuda", "mps"]


# --------------------------------------------------------------------------- field validators
# Each raises PydanticCustomError with the whole human message; ctx["at"] (optional) extends the
# error's location, so a check made on a container can point at the offending element.

def _error(message: str, at: tuple[str | int, ...] = ()) -> PydanticCustomError:
    return PydanticCustomError("torchdrill", "{message}", {"message": message, "at": at})


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _positive(noun: str, whole: bool = False) -> Callable[[Any], int | float]:
    """A before-validator: a finite number > 0 (a whole one when ``whole``), no strings, no bools."""
    what = "a whole number > 0" if whole else "a number > 0"
    prefix = f"{noun} must be" if noun else "must be"

    def check(value: Any) -> int | float:
        ok = _is_number(value) and math.isfinite(value) and value > 0
        if ok and whole:
            ok = float(value).is_integer()
        if not ok:
            raise _error(f"{prefix} {what}, got {value!r}")
        return int(value) if whole else float(value)

    return check


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _error(f"must be non-empty text, got {value!r}")
    return value


def _stub_name(value: Any) -> str:
    if not isinstance(value, str) or not value.isidentifier() or keyword.iskeyword(value):
        raise _error(
            f"stub name {value!r} is not a Python function name; "
            "use letters, digits and _ (not starting with a digit), e.g. loss_fn"
        )
    return value


def _chapter_id(value: Any) -> str:
    if not isinstance(value, str) or not CHAPTER_ID.fullmatch(value):
        raise _error(
            f"chapter id {value!r} is not of the form exNN_name; use 'ex', two digits, '_', "
            "then lower-case letters, digits or _, e.g. ex03_device"
        )
    return value


class FrozenDict(dict[Any, Any]):
    """A dict that refuses every change after it is built (and so can be hashed)."""

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("course objects are frozen; edit course.yml and load it again")

    __setitem__ = __delitem__ = __ior__ = _refuse  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self.items()))

    def __reduce__(self) -> tuple[Any, ...]:  # pickle, copy and deepcopy rebuild, never mutate
        return (type(self), (dict(self),))

    def __repr__(self) -> str:
        return f"FrozenDict({dict.__repr__(self)})"


NonEmptyText = Annotated[str, BeforeValidator(_text)]
StubName = Annotated[str, BeforeValidator(_stub_name)]
Points = Annotated[float, BeforeValidator(_positive("points"))]
Seconds = Annotated[float, BeforeValidator(_positive(""))]
WholePositive = Annotated[int, BeforeValidator(_positive("", whole=True))]
ChapterId = Annotated[str, BeforeValidator(_chapter_id)]
Stubs = Annotated[dict[StubName, Points], AfterValidator(FrozenDict)]


# --------------------------------------------------------------------------- models

class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(_Frozen):
    """A text in both course languages."""

    ko: NonEmptyText = Field(description="Korean text. Required.")
    en: NonEmptyText = Field(description="English text. Required.")

    def in_(self, lang: str) -> str:
        """The text in ``lang`` ("ko" or "en")."""
        if lang not in ("ko", "en"):
            raise UnknownNameError("language", lang, ("ko", "en"))
        text: str = getattr(self, lang)
        return text


class Limits(_Frozen):
    """Resource limits of the sandbox, per sandboxed call unless said."""

    call_seconds: Seconds = Field(10.0, description="Wall-clock seconds per sandboxed call. Default 10.")
    cpu_seconds: WholePositive = Field(
        10, description="CPU seconds per call, a whole number (RLIMIT_CPU, soft = hard). Default 10."
    )
    memory_mb: WholePositive = Field(
        1024, description="MiB of address space allowed above the warmed-up sandbox process. Default 1024."
    )
    output_kb: WholePositive = Field(64, description="KiB of stdout + stderr kept per call. Default 64.")
    submission_seconds: Seconds = Field(
        600.0, description="Wall-clock seconds for the whole submission. Default 600."
    )


class Chapter(_Frozen):
    """One chapter: one module in exercises/ and solutions/, one grader module in graders/."""

    id: ChapterId = Field(
        description="Chapter id, exNN_name; also the module name (exercises/<id>.py). Required."
    )
    title: Text = Field(description="Chapter title, {ko: ..., en: ...}. Required.")
    stubs: Stubs = Field(
        description="Stub name -> points (a number > 0), in the order students meet them; at least one. Required."
    )

    @field_validator("stubs")
    @classmethod
    def _some_stubs(cls, stubs: dict[str, float]) -> dict[str, float]:
        if not stubs:
            raise _error("a chapter must list at least one stub, e.g. stubs: {loss_fn: 2}")
        return stubs

    @property
    def total(self) -> float:
        """The chapter's points."""
        return sum(self.stubs.values())

    @property
    def filename(self) -> str:
        """The chapter's module file name in exercises/ and solutions/."""
        return f"{self.id}.py"

    def qualname(self, stub: str) -> str:
        """``"ex07_optimization.loss_fn"``."""
        return f"{self.id}.{stub}"


class Course(_Frozen):
    """The whole course, as loaded from course.yml."""

    schema_version: Literal[1] = Field(
        description="Version of the course.yml format; this torchdrill reads 1. Required."
    )
    title: Text = Field(description="Course title, {ko: ..., en: ...}. Required.")
    language: Language = Field("ko", description="Default feedback language: ko | en. Default ko.")
    device: Device = Field(
        "auto",
        description="Where graders run: auto (cuda, else mps, else cpu) | cpu | cuda | mps. Default auto.",
    )
    limits: Limits = Field(default_factory=Limits, description="Sandbox limits (see Limits). Defaults as listed there.")
    chapters: tuple[Chapter, ...] = Field(description="The chapters, in order; at least one. Required.")
    root: SkipJsonSchema[Path] = Field(
        Path("."),
        exclude=True,
        description="Not a key of course.yml: the directory holding it, set by load_course.",
    )

    @model_validator(mode="after")
    def _unique_chapters(self) -> Course:
        if not self.chapters:
            raise _error("a course must list at least one chapter", at=("chapters",))
        seen: dict[str, int] = {}
        for index, chapter in enumerate(self.chapters):
            if chapter.id in seen:
                raise _error(
                    f"duplicate chapter id {chapter.id!r} (already chapters[{seen[chapter.id]}]); "
                    "give each chapter its own id",
                    at=("chapters", index, "id"),
                )
            seen[chapter.id] = index
        return self

    # ---- look-ups

    @property
    def chapter_ids(self) -> list[str]:
        return [chapter.id for chapter in self.chapters]

    def chapter(self, chapter_id: str) -> Chapter:
        """The chapter with this id; an unknown id raises UnknownNameError (with "did you mean")."""
        for chapter in self.chapters:
            if chapter.id == chapter_id:
                return chapter
        guess = closest(chapter_id, self.chapter_ids) or self._stub_guess(chapter_id)
        raise UnknownNameError("chapter", chapter_id, self.chapter_ids, guess)

    def stubs(self) -> Iterator[tuple[Chapter, str, float]]:
        """Every (chapter, stub, points), in course order."""
        for chapter in self.chapters:
            for stub, points in chapter.stubs.items():
                yield chapter, stub, points

    def qualnames(self, spec: str | None = None) -> list[str]:
        """``["ex01_tensors.make_tensor", …]``: the qualified names of :meth:`select` ``(spec)``
        (every stub by default), in course order."""
        return [chapter.qualname(stub) for chapter, stubs in self.select(spec) for stub in stubs]

    @property
    def total(self) -> float:
        """All the course's points."""
        return sum(chapter.total for chapter in self.chapters)

    def select(self, spec: str | None = None) -> list[tuple[Chapter, list[str]]]:
        """What to grade: ``None`` (everything), ``"CHAPTER"`` or ``"CHAPTER.STUB"``.

        Returns ``[(chapter, [stub, …]), …]`` in course order; unknown names raise
        UnknownNameError.
        """
        if spec is None:
            return [(chapter, list(chapter.stubs)) for chapter in self.chapters]
        return [self._resolve(spec)]

    def _resolve(self, spec: str) -> tuple[Chapter, list[str]]:
        chapter_id, dot, stub = spec.partition(".")
        chapter = self.chapter(chapter_id)
        if not dot:
            return chapter, list(chapter.stubs)
        if stub not in chapter.stubs:
            elsewhere = [c.qualname(stub) for c in self.chapters if stub in c.stubs]
            near = closest(stub, chapter.stubs)
            guess = elsewhere[0] if len(elsewhere) == 1 else (near and chapter.qualname(near))
            raise UnknownNameError("stub", spec, [chapter.qualname(name) for name in chapter.stubs], guess)
        return chapter, [stub]

    def _stub_guess(self, name: str) -> str | None:
        """For a bare stub name given where a qualified one is due: the qualified name of the one
        stub it names, else None."""
        owners: dict[str, list[str]] = {}
        for chapter, stub, _ in self.stubs():
            owners.setdefault(stub, []).append(chapter.qualname(stub))
        return owners[name][0] if len(owners.get(name, ())) == 1 else None

    # ---- layout

    @property
    def solutions_dir(self) -> Path:
        return self.root / "solutions"

    @property
    def exercises_dir(self) -> Path:
        return self.root / "exercises"

    @property
    def graders_dir(self) -> Path:
        return self.root / "graders"


# --------------------------------------------------------------------------- loading

class _DuplicateKey(Exception):
    def __init__(self, key: Any, mark: yaml.Mark | None) -> None:
        self.key, self.mark = key, mark


class _UniqueKeyLoader(yaml.SafeLoader):
    """yaml.SafeLoader (so: safe_load) that also refuses a key repeated in one mapping.

    Plain safe_load silently keeps the last of two ``add:`` entries; in a manifest of points that
    is a mistake worth a message.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                if key in seen:
                    raise _DuplicateKey(key, key_node.start_mark)
                seen.add(key)
            except TypeError:  # an unhashable key: let SafeLoader report it
                pass
        return super().construct_mapping(node, deep=deep)


def _display(path: Path) -> str:
    """``path`` relative to the working directory when inside it, else absolute."""
    absolute = path.absolute()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def find_course_file(path: Path | str | None = None) -> Path:
    """The course.yml meant by ``path`` (the file, or the directory holding it), or found upward
    from the working directory when ``path`` is None.  Raises CourseError when there is none."""
    if path is None:
        start = Path.cwd()
        for folder in (start, *start.parents):
            candidate = folder / COURSE_FILE
            if candidate.is_file():
                return candidate
        raise CourseError(
            f"no {COURSE_FILE} in {start} or any directory above it; run torchdrill inside a "
            f"course directory or give the path of its {COURSE_FILE}"
        )
    path = Path(path)
    if path.is_dir():
        candidate = path / COURSE_FILE
        if not candidate.is_file():
            raise CourseError(
                f"{_display(path)}: no {COURSE_FILE} in this directory; give the directory that "
                f"holds {COURSE_FILE}, or the file itself"
            )
        return candidate
    if not path.is_file():
        raise CourseError(
            f"{_display(path)}: file not found; give the path of an existing {COURSE_FILE} "
            "or of the directory holding it"
        )
    return path


def _read_yaml(path: Path, shown: str) -> Any:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CourseError(
            f"{shown}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start}); "
            "save the file as UTF-8"
        ) from None
    except OSError as exc:
        raise CourseError(f"{shown}: cannot read the file ({exc.strerror}); check its permissions") from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except _DuplicateKey as exc:
        where = f"line {exc.mark.line + 1}: " if exc.mark is not None else ""
        raise CourseError(
            f"{shown}: {where}duplicate key {exc.key!r}; each key may appear only once in a mapping"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        if isinstance(exc, yaml.constructor.ConstructorError) and mark is not None:
            raise CourseError(
                f"{shown}: line {mark.line + 1}, column {mark.column + 1}: {problem}; "
                f"{COURSE_FILE} holds plain values only (text, numbers, lists, mappings): remove the tag"
            ) from None
        if mark is not None:
            raise CourseError(
                f"{shown}: line {mark.line + 1}, column {mark.column + 1}: invalid YAML ({problem}); "
                f"fix the syntax on line {mark.line + 1}"
            ) from None
        raise CourseError(f"{shown}: invalid YAML ({problem}); fix the syntax") from None


def _loc(parts: tuple[str | int, ...]) -> str:
    """("chapters", 1, "stubs", "add") -> "chapters[1].stubs.add"."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]":
            continue
        elif part.isidentifier():
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out


_KEYS_AT: dict[tuple[str, ...], type[BaseModel]] = {
    (): Course,
    ("title",): Text,
    ("limits",): Limits,
    ("chapters",): Chapter,
    ("chapters", "title"): Text,
}


def _known_keys(parent: tuple[str | int, ...]) -> list[str]:
    model = _KEYS_AT.get(tuple(p for p in parent if isinstance(p, str)))
    if model is None:
        return []
    return [name for name in model.model_fields if name != "root"]


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", type(None): "nothing"}.get(
        type(value), f"{value!r}"
    )


def _explain(error: ErrorDetails) -> tuple[str, str]:
    """One pydantic error -> (key path, what is wrong and the fix)."""
    loc = tuple(error["loc"])
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "torchdrill":
        return _loc(loc + tuple(ctx.get("at", ()))), ctx["message"]
    if kind == "extra_forbidden":
        known = _known_keys(loc[:-1])
        match = closest(str(loc[-1]), known)
        if match is not None:
            return _loc(loc), f"unknown key; did you mean '{match}'?"
        return _loc(loc), f"unknown key; the keys here are: {', '.join(known)}"
    if kind == "missing":
        return _loc(loc), f"required key is missing; add '{loc[-1]}: ...' here" if loc else "required key is missing"
    if kind == "literal_error":
        return _loc(loc), f"must be {ctx.get('expected')}, got {value!r}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _loc(loc), f"must be a mapping (key: value), got {_kind(value)}"
    if kind in ("tuple_type", "list_type"):
        return _loc(loc), f"must be a list (lines starting with '- '), got {_kind(value)}"
    return _loc(loc), f"{error['msg']}, got {value!r}"


def _validate(raw: Any, root: Path, shown: str) -> Course:
    if raw is None:
        raise CourseError(f"{shown}: the file is empty; start it with 'schema_version: 1'")
    if not isinstance(raw, dict):
        raise CourseError(
            f"{shown}: must be a mapping of keys (schema_version, title, chapters, …), got {_kind(raw)}"
        )
    if "schema_version" not in raw:
        raise CourseError(f"{shown}: schema_version: required key is missing; add 'schema_version: 1' at the top")
    version = raw["schema_version"]
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise CourseError(
            f"{shown}: schema_version: this torchdrill reads version {SCHEMA_VERSION}, got {version!r}; "
            f"write the file for version {SCHEMA_VERSION} or use a torchdrill that reads {version!r}"
        )
    if "root" in raw:
        raise CourseError(
            f"{shown}: root: unknown key; the course root is the directory holding {COURSE_FILE}, remove this key"
        )
    try:
        return Course.model_validate({**raw, "root": root})
    except ValidationError as exc:
        errors = exc.errors()
        where, what = _explain(errors[0])
        message = f"{shown}: {where}: {what}" if where else f"{shown}: {what}"
        if len(errors) > 1:
            more = "; ".join(": ".join(filter(None, _explain(e))) for e in errors[1:4])
            extra = f" (and {len(errors) - 4} more)" if len(errors) > 4 else ""
            message += f"\nalso: {more}{extra}"
        raise CourseError(message) from None


def load_course(path: Path | str | None = None) -> Course:
    """Load and validate course.yml.

    ``path`` is the file or the directory holding it; None searches upward from the working
    directory.  ``Course.root`` is set to the (absolute) directory holding the file.  Every
    problem raises CourseError with the file, the key path, what is wrong and the fix.
    """
    file = find_course_file(path)
    shown = _display(file)
    raw = _read_yaml(file, shown)
    return _validate(raw, file.parent.absolute(), shown)


# --------------------------------------------------------------------------- documentation

def schema_reference() -> str:
    """Every course.yml key with its description (default included), one per line, for docs."""
    lines: list[str] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            if name == "root":
                continue
            lines.append(f"{prefix}{name}: {field.description}")
            annotation, suffix = field.annotation, ""
            if get_origin(annotation) is tuple:
                annotation, suffix = get_args(annotation)[0], "[]"
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                walk(annotation, f"{prefix}{name}{suffix}.")

    walk(Course, "")
    return "\n".join(lines)
