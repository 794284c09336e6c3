"""Grader modules as students get them: the visible checks only.

Every hidden check is cut out by AST, then every top-level helper, constant and import that only
hidden checks used (repeated until nothing more goes); the module docstring and the comments
between statements go too, since they may describe the hidden checks.  A visible check that asks
for the ``reference`` fixture cannot run without the solutions, and one whose code (or a helper
it reaches) shows a line of a solution would give it away: both are withheld, with the reason.
"""
from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass
from typing import TypeGuard

from .catalog import call_name


@dataclass(frozen=True)
class Stripped:
    """One grader module with its hidden checks cut out."""

    text: str
    kept: tuple[str, ...]            # top-level names kept (visible checks, helpers they use)
    removed: tuple[str, ...]         # top-level names cut (hidden checks, helpers only they used)
    withheld: tuple[str, ...] = ()   # visible checks cut: they need the solutions, or show them
    parts: tuple[tuple[str, str, bool], ...] = ()   # (name, source, is a check) of each kept statement


def _norm(line: str) -> str:
    """A line compared by its words: whitespace collapsed, a doctest prompt or comment mark dropped."""
    words = " ".join(line.split())
    for prefix in (">>> ", "... ", "# "):
        if words.startswith(prefix):
            words = words[len(prefix):]
    return words


#: a solution line this long is also found inside another line (a hint string quoting it)
SUBSTRING_CHARS = 20


def solution_in(line: str, solution: dict[str, str]) -> str | None:
    """The solution line (normalised) that ``line`` is, or quotes when it is long enough; else None."""
    words = _norm(line)
    if words in solution:
        return words
    return next((s for s in solution if len(s) >= SUBSTRING_CHARS and s in words), None)


def check_mark(fn: ast.AST) -> ast.Call | None:
    """The ``@check(...)`` decorator of a function, or None."""
    for dec in getattr(fn, "decorator_list", ()):
        if isinstance(dec, ast.Call) and call_name(dec.func) == "check":
            return dec
    return None


def is_visible(mark: ast.Call) -> bool:
    """Visible only when the mark says ``visible=`` with a literal true value: anything else is hidden."""
    for kw in mark.keywords:
        if kw.arg == "visible":
            return isinstance(kw.value, ast.Constant) and bool(kw.value.value)
    return False


def _defined(stmt: ast.stmt) -> set[str] | None:
    """Names a top-level statement defines when it may be pruned; None when it is always kept."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(
        stmt, (ast.AnnAssign, ast.AugAssign)) else None
    if targets and all(isinstance(t, (ast.Name, ast.Tuple)) for t in targets):
        names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        if names and not any(n == "pytestmark" or (n.startswith("__") and n.endswith("__")) for n in names):
            return names
    return None


def _uses(stmt: ast.stmt) -> set[str]:
    """Names a statement refers to: loads, and the parameters of functions (pytest fixtures)."""
    used = set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
            used.add(node.id)
        elif isinstance(node, ast.arg):
            used.add(node.arg)
    return used


def _bound(alias: ast.alias) -> str:
    return alias.asname or alias.name.split(".")[0]


_IMPORTS = (ast.Import, ast.ImportFrom)
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def strip_hidden(source: str, filename: str = "<grader>", *, withhold: frozenset[str] | set[str] = frozenset()
                 ) -> Stripped:
    """``source`` with every hidden check removed, then every top-level helper, constant or import
    that nothing left refers to (repeated until nothing more goes).  Comments outside the kept
    statements and the module docstring go too.  A visible check that asks for the ``reference``
    fixture cannot run without the solutions, which students do not get: it is cut as well and
    named in ``withheld`` (the instructor is told), and so is every visible check named in
    ``withhold``."""
    tree = ast.parse(source, filename=filename)
    keep, checks, removed, withheld = _cut_checks(_without_docstring(tree.body), withhold)
    refs = _prune_unused(keep, checks, removed)
    used = {name for name, n in refs.items() if n > 0}
    chunks: list[tuple[str, str]] = []
    kept_names: list[str] = []
    parts: list[tuple[str, str, bool]] = []
    text_of = _StatementText(source, tree)
    for stmt in keep:
        if isinstance(stmt, _IMPORTS):
            line = _import_of_used(stmt, used, removed)
            if line is not None:
                chunks.append(("import", line))
            continue
        text = text_of(stmt)
        chunks.append(("def" if isinstance(stmt, _DEFS) else "stmt", text))
        defined = sorted(_defined(stmt) or ())
        kept_names.extend(defined)
        parts.append((getattr(stmt, "name", None) or ",".join(defined) or f"line {stmt.lineno}",
                      text, id(stmt) in checks))
    return Stripped(_join(chunks), tuple(kept_names), tuple(removed), tuple(withheld), tuple(parts))


def _without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    """The module's statements but its docstring, which may describe the hidden checks."""
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return body[1:]
    return list(body)


def _cut_checks(body: list[ast.stmt], withhold: frozenset[str] | set[str]
                ) -> tuple[list[ast.stmt], set[int], list[str], list[str]]:
    """Cut the hidden checks, the withheld visible ones and pytest's own tests (never graded,
    never shipped).  Returns (statements kept, ids of the kept checks, names removed, names
    withheld)."""
    keep: list[ast.stmt] = []
    checks: set[int] = set()
    removed: list[str] = []
    withheld: list[str] = []
    for stmt in body:
        mark = check_mark(stmt)
        if mark is not None and isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if not is_visible(mark):
                removed.append(stmt.name)
            elif "reference" in {a.arg for a in stmt.args.args + stmt.args.kwonlyargs} or stmt.name in withhold:
                withheld.append(stmt.name)
                removed.append(stmt.name)
            else:
                keep.append(stmt)
                checks.add(id(stmt))
        elif _is_pytest_test(stmt):
            removed.append(stmt.name)
        else:
            keep.append(stmt)
    return keep, checks, removed, withheld


def _is_pytest_test(stmt: ast.stmt) -> TypeGuard[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    """A test pytest would collect that is not a graded check."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return stmt.name.startswith("test")
    return isinstance(stmt, ast.ClassDef) and stmt.name.startswith("Test")


def _prune_unused(keep: list[ast.stmt], checks: set[int], removed: list[str]) -> Counter[str]:
    """Drop (in place) every helper, constant or class that no kept statement refers to, until
    nothing more goes; their names are added to ``removed``.  Imports are left for the caller.
    Returns how many kept statements refer to each name."""
    uses = {id(s): _uses(s) for s in keep if not isinstance(s, _IMPORTS)}
    refs = Counter(name for names in uses.values() for name in names)   # statements naming each name
    changed = True
    while changed:
        changed = False
        for stmt in list(keep):
            names = None if id(stmt) in checks or isinstance(stmt, _IMPORTS) else _defined(stmt)
            if names is None:
                continue
            own = uses[id(stmt)]
            if not any(refs[n] - (n in own) > 0 for n in names):
                keep.remove(stmt)
                refs.subtract(own)
                removed.extend(sorted(names))
                changed = True
    return refs


def _import_of_used(stmt: ast.Import | ast.ImportFrom, used: set[str], removed: list[str]) -> str | None:
    """The import statement reduced to the names something kept uses (``__future__`` imports stay
    whole), or None when it binds none of them; the names dropped are added to ``removed``."""
    if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
        names = stmt.names
    else:
        names = [a for a in stmt.names if _bound(a) in used]
    removed.extend(_bound(a) for a in stmt.names if a not in names)
    if not names:
        return None
    node = type(stmt)(**{**{f: getattr(stmt, f) for f in stmt._fields}, "names": names})
    return ast.unparse(node)


class _StatementText:
    """A top-level statement's source as written (decorators and comments inside it included), or
    unparsed when it shares a line with another statement."""

    def __init__(self, source: str, tree: ast.Module) -> None:
        self.lines = source.splitlines()
        self.owners: Counter[int] = Counter()      # line number -> statements on it
        for stmt in tree.body:
            self.owners.update(range(_first_line(stmt), (stmt.end_lineno or stmt.lineno) + 1))

    def __call__(self, stmt: ast.stmt) -> str:
        start, end = _first_line(stmt), stmt.end_lineno or stmt.lineno
        if all(self.owners[n] == 1 for n in range(start, end + 1)):
            return "\n".join(self.lines[start - 1:end])
        return ast.unparse(stmt)


def _first_line(stmt: ast.stmt) -> int:
    return min([d.lineno for d in getattr(stmt, "decorator_list", [])] + [stmt.lineno])


def _join(chunks: list[tuple[str, str]]) -> str:
    """The kept statements as a module: one blank line between imports or between plain
    statements, two around definitions."""
    out = []
    for i, (kind, text) in enumerate(chunks):
        if i:
            out.append("\n" if kind == chunks[i - 1][0] and kind != "def" else "\n\n\n")
        out.append(text)
    return "".join(out) + "\n"


def bundle_grader(source: str, chapter: str, filename: str, *, withhold: frozenset[str] | set[str] = frozenset()
                  ) -> Stripped:
    """The grader module as students get it: a short bilingual header, then the visible checks."""
    stripped = strip_hidden(source, filename, withhold=withhold)
    from .i18n import LANGUAGES
    from .messages import N_, msg, render
    from .render import bilingual

    run = msg("Run them with `torchdrill check {chapter}`. Hidden checks run when your work is graded.",
              chapter=chapter)
    header = (f'"""{chapter}: {bilingual(N_("the visible checks"))}.\n\n'
              + "".join(render(run, lang) + "\n" for lang in LANGUAGES) + '"""\n')
    return Stripped(header + stripped.text, stripped.kept, stripped.removed, stripped.withheld, stripped.parts)


def safe_grader(source: str, chapter: str, filename: str, solution: dict[str, str]) -> tuple[Stripped, dict[str, str]]:
    """:func:`bundle_grader`, also withholding every visible check whose code, or a helper it
    reaches, holds a line of a solution region (``solution``: normalised line -> origin), so the
    bundle never shows one.  Returns the grader and, per withheld check, why."""
    withhold: set[str] = set()
    why: dict[str, str] = {}
    while True:
        out = bundle_grader(source, chapter, filename, withhold=withhold)
        bad: dict[str, str] = {}
        for name, text, _is_check in out.parts:
            for line in text.splitlines():
                hit = solution_in(line, solution)
                if hit:
                    bad.setdefault(name, f"{name}: {hit!r} is {solution[hit]}")
        if not bad:
            return out, why
        uses = {name: _uses(ast.parse(text).body[0]) if text.strip() else set() for name, text, _c in out.parts}
        newly = set()
        for name, _text, is_check in out.parts:
            if not is_check:
                continue
            seen, todo = set(), [name]
            while todo:                              # everything this check reaches, helpers of helpers too
                cur = todo.pop()
                if cur in seen:
                    continue
                seen.add(cur)
                todo.extend(n for n in uses.get(cur, ()) if n in uses)
            hit = next((b for b in bad if b in seen), None)
            if hit:
                newly.add(name)
                why[name] = bad[hit]
        if not newly - withhold:
            return out, why                          # module-level code: left to the final leak check
        withhold |= newly
