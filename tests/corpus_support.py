"""Building corpus submissions: a chapter's reference module with one stub swapped for a variant.

A corpus file holds one function (plus the imports it needs) and a first-line comment saying
what the variant does.  Splicing keeps every other stub of the chapter correct, so a grader that
takes points from another stub is caught, and the variant's own stub is judged alone.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"


@dataclass(frozen=True)
class Variant:
    chapter: str
    stub: str
    kind: str          # "right" | "wrong"
    label: str
    path: Path

    @property
    def name(self) -> str:
        return f"{self.chapter}__{self.stub}__{self.kind}_{self.label}"

    @property
    def description(self) -> str:
        first = self.path.read_text(encoding="utf-8").splitlines()[0]
        return first.lstrip("# ").strip()


def variants() -> list[Variant]:
    out = []
    for path in sorted(CORPUS.glob("ex*/*/*.py")):
        kind, _, label = path.stem.partition("_")
        if kind in ("right", "wrong"):
            out.append(Variant(path.parent.parent.name, path.parent.name, kind, label, path))
    return out


def splice(solution: str, variant: str, stub: str) -> str:
    """Replace function ``stub`` in ``solution`` by the one in ``variant``; add the variant's imports."""
    sol_tree, var_tree = ast.parse(solution), ast.parse(variant)
    var_lines = variant.splitlines()
    funcs = [n for n in var_tree.body if isinstance(n, ast.FunctionDef) and n.name == stub]
    if len(funcs) != 1:
        raise ValueError(f"the variant must define {stub} exactly once")
    fn = funcs[0]
    start = min([fn.lineno] + [d.lineno for d in fn.decorator_list])
    new_fn = "\n".join(var_lines[start - 1:fn.end_lineno])
    helpers = [n for n in var_tree.body if not isinstance(n, (ast.Import, ast.ImportFrom)) and n is not fn
               and not (isinstance(n, ast.Expr) and isinstance(getattr(n, "value", None), ast.Constant))]
    extra = "\n\n".join("\n".join(var_lines[n.lineno - 1:n.end_lineno]) for n in helpers)
    imports = "\n".join("\n".join(var_lines[n.lineno - 1:n.end_lineno]) for n in var_tree.body
                        if isinstance(n, (ast.Import, ast.ImportFrom)))
    sol_lines = solution.splitlines()
    target = [n for n in sol_tree.body if isinstance(n, ast.FunctionDef) and n.name == stub]
    if len(target) != 1:
        raise ValueError(f"the solution does not define {stub}")
    t = target[0]
    t_start = min([t.lineno] + [d.lineno for d in t.decorator_list])
    body = sol_lines[:t_start - 1] + ([extra, ""] if extra else []) + new_fn.splitlines() + sol_lines[t.end_lineno:]
    # Imports go after the module docstring and any __future__ import, before everything else.
    insert_at = 0
    for node in sol_tree.body:
        if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)) or \
                (isinstance(node, ast.ImportFrom) and node.module == "__future__"):
            insert_at = node.end_lineno
        else:
            break
    return "\n".join(body[:insert_at] + ([imports] if imports else []) + body[insert_at:]) + "\n"


def solution_lines(solution: str) -> set[str]:
    """Non-trivial lines of the solution regions: none may appear in student-facing output."""
    out, inside = set(), False
    for line in solution.splitlines():
        s = line.strip()
        if s == "# BEGIN SOLUTION":
            inside = True
        elif s == "# END SOLUTION":
            inside = False
        elif inside and len(s) >= 16 and not s.startswith("#"):
            out.add(s)
    return out


def grader_lines(source: str) -> set[str]:
    """Lines of grader code (not strings shown to students) long enough to be recognisable."""
    out = set()
    for line in source.splitlines():
        s = line.strip()
        if len(s) >= 24 and not s.startswith(("#", '"', "'", "en=", "ko=")) and ("(" in s or "=" in s) \
                and not s.startswith(("@check", "def test_")):
            out.add(s)
    return out
