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


def _call_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def check_mark(fn: ast.AST) -> ast.Call | None:
    """The ``@check(...)`` decorator of a function, or None."""
    for dec in getattr(fn, "decorator_list", ()):
        if isinstance(dec, ast.Call) and _call_name(dec.func) == "check":
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


def strip_hidden(source: str, filename: str = "<grader>", *, withhold: frozenset[str] | set[str] = frozenset()
                 ) -> Stripped:
    """``source`` with every hidden check removed, then every top-level helper, constant or import
    that nothing left refers to (repeated until nothing more goes).  Comments outside the kept
    statements and the module docstring go too.  A visible check that asks for the ``reference``
    fixture cannot run without the solutions, which students do not get: it is cut as well and
    named in ``withheld`` (the instructor is told), and so is every visible check named in
    ``withhold``."""
    tree = ast.parse(source, filename=filename)
    body = list(tree.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]                            # the docstring may describe the hidden checks
    keep: list[ast.stmt] = []
    removed: list[str] = []
    withheld: list[str] = []
    checks: set[int] = set()
    for stmt in body:
        mark = check_mark(stmt)
        if mark is not None:
            if is_visible(mark):
                args = {a.arg for a in stmt.args.args + stmt.args.kwonlyargs}
                if "reference" in args or stmt.name in withhold:
                    withheld.append(stmt.name)
                    removed.append(stmt.name)
                    continue
                keep.append(stmt)
                checks.add(id(stmt))
            else:
                removed.append(stmt.name)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name.startswith("test"):
            removed.append(stmt.name)              # not a check: never graded, never shipped
        elif isinstance(stmt, ast.ClassDef) and stmt.name.startswith("Test"):
            removed.append(stmt.name)
        else:
            keep.append(stmt)

    imports = (ast.Import, ast.ImportFrom)
    uses = {id(s): _uses(s) for s in keep if not isinstance(s, imports)}
    refs = Counter(name for names in uses.values() for name in names)   # statements naming each name
    changed = True
    while changed:
        changed = False
        for stmt in list(keep):
            names = None if id(stmt) in checks or isinstance(stmt, imports) else _defined(stmt)
            if names is None:
                continue
            own = uses[id(stmt)]
            if not any(refs[n] - (n in own) > 0 for n in names):
                keep.remove(stmt)
                refs.subtract(own)
                removed.extend(sorted(names))
                changed = True

    used = {name for name, n in refs.items() if n > 0}
    lines = source.splitlines()
    line_owner: dict[int, int] = {}
    for stmt in tree.body:
        start = min([d.lineno for d in getattr(stmt, "decorator_list", [])] + [stmt.lineno])
        for n in range(start, stmt.end_lineno + 1):
            line_owner[n] = line_owner.get(n, 0) + 1
    chunks: list[tuple[str, str]] = []
    kept_names: list[str] = []
    parts: list[tuple[str, str, bool]] = []
    for stmt in keep:
        if isinstance(stmt, imports):
            if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
                names = stmt.names
            else:
                names = [a for a in stmt.names if _bound(a) in used]
            if not names:
                removed.extend(_bound(a) for a in stmt.names)
                continue
            removed.extend(_bound(a) for a in stmt.names if a not in names)
            node = type(stmt)(**{**{f: getattr(stmt, f) for f in stmt._fields}, "names": names})
            chunks.append(("import", ast.unparse(node)))
            continue
        start = min([d.lineno for d in getattr(stmt, "decorator_list", [])] + [stmt.lineno])
        if all(line_owner.get(n) == 1 for n in range(start, stmt.end_lineno + 1)):
            text = "\n".join(lines[start - 1:stmt.end_lineno])
        else:                                      # shares a line with another statement
            text = ast.unparse(stmt)
        kind = "def" if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else "stmt"
        chunks.append((kind, text))
        kept_names.extend(sorted(_defined(stmt) or ()))
        parts.append((getattr(stmt, "name", None) or ",".join(sorted(_defined(stmt) or ())) or f"line {stmt.lineno}",
                      text, id(stmt) in checks))
    out = []
    for i, (kind, text) in enumerate(chunks):
        if i:
            out.append("\n" if kind == chunks[i - 1][0] and kind != "def" else "\n\n\n")
        out.append(text)
    return Stripped("".join(out) + "\n", tuple(kept_names), tuple(removed), tuple(withheld), tuple(parts))


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
        bad = {}
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
