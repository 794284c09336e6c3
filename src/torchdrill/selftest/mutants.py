"""Mutants of the solution regions: one mutant = one change in one stub, each with a stable id.

    solutions/<chapter>.py ─ find_regions (stubgen) ─► the stub functions that hold a region
        └─ libcst: every node inside the region × every operator ─► Mutant(id, source, diff)

The id is ``chapter.stub:operator:hash``, the hash taken from the operator and the label of the
change (what was changed into what, plus its rank when the same change fits several places):
it does not move when other stubs, docstrings or line numbers change, so the reviewed list of
equivalent mutants (graders/selftest.yml) keeps matching.
"""
from __future__ import annotations

import ast
import difflib
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from ..stubgen import find_regions
from .operators import OPERATORS, Context, Operator


@dataclass(frozen=True)
class Mutant:
    id: str               # chapter.stub:operator:hash
    chapter: str
    stub: str
    operator: str
    family: str           # "wrong" (must lose points) or "right" (must keep full marks)
    label: str            # what changed, in a few words
    source: str           # the whole chapter module with this one change
    diff: str             # unified diff against the solution

    @property
    def qualname(self) -> str:
        return f"{self.chapter}.{self.stub}"


class _Collect(cst.CSTVisitor):
    def __init__(self) -> None:
        self.nodes: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.nodes.append(node)
        return True


def _defaults(func: cst.FunctionDef, module: cst.Module) -> dict[str, str]:
    params = [*func.params.params, *func.params.kwonly_params]
    return {p.name.value: module.code_for_node(p.default) for p in params if p.default is not None}


def stub_functions(source: str, filename: str) -> dict[str, tuple[int, int]]:
    """Stub name -> (first, last) line of its solution region (the marker lines)."""
    regions = find_regions(source, filename)
    tree = ast.parse(source, filename)
    out: dict[str, tuple[int, int]] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for r in regions:
                if node.lineno < r.begin <= (node.end_lineno or node.lineno) + 1:
                    out[node.name] = (r.begin, r.end)
    return out


def _short(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def mutate_chapter(path: Path, chapter: str, stubs: list[str] | None = None,
                   families: tuple[str, ...] = ("wrong", "right"),
                   ops: list[Operator] | None = None) -> list[Mutant]:
    """Every mutant of the solution regions of one chapter module, in source order."""
    source = path.read_text(encoding="utf-8")
    shown = f"solutions/{path.name}"
    regions = stub_functions(source, shown)
    wrapper = MetadataWrapper(cst.parse_module(source))
    module = wrapper.module
    positions = wrapper.resolve(PositionProvider)
    ops = [op for op in (ops or OPERATORS.values()) if op.family in families]
    out: list[Mutant] = []
    for func in module.body:
        if not isinstance(func, cst.FunctionDef) or func.name.value not in regions:
            continue
        name = func.name.value
        if stubs is not None and name not in stubs:
            continue
        begin, end = regions[name]

        def in_region(node: cst.CSTNode, begin=begin, end=end) -> bool:
            pos = positions.get(node)
            return pos is not None and begin < pos.start.line and pos.end.line < end

        ctx = Context(module=module, defaults=_defaults(func, module), in_region=in_region)
        collector = _Collect()
        func.body.visit(collector)
        nodes = [n for n in collector.nodes if in_region(n) or isinstance(n, cst.IndentedBlock)]
        seen: set[str] = set()
        ranks: dict[str, int] = {}
        original = module.code_for_node(func)
        for node in nodes:
            for op in ops:
                for new_node, label in op.fn(node, ctx):
                    new_func = func.deep_replace(node, new_node)
                    code = module.code_for_node(new_func)
                    if code == original or code in seen:
                        continue
                    new_source = cast(cst.Module, module.deep_replace(func, new_func)).code
                    try:
                        compile(new_source, shown, "exec", dont_inherit=True)
                    except SyntaxError:
                        continue
                    seen.add(code)
                    key = f"{op.name}|{label}"
                    rank = ranks.get(key, 0)
                    ranks[key] = rank + 1
                    digest = _short(key if rank == 0 else f"{key}|{rank}")
                    diff = "".join(difflib.unified_diff(
                        source.splitlines(keepends=True), new_source.splitlines(keepends=True),
                        fromfile=f"a/{shown}", tofile=f"b/{shown}", n=1))
                    out.append(Mutant(id=f"{chapter}.{name}:{op.name}:{digest}", chapter=chapter, stub=name,
                                      operator=op.name, family=op.family, label=label, source=new_source,
                                      diff=diff))
    return out


def mutate_course(course, spec: str | None = None, families: tuple[str, ...] = ("wrong", "right")) -> list[Mutant]:
    """The mutants of every selected stub of ``course`` (``spec``: None, CHAPTER or CHAPTER.STUB)."""
    out: list[Mutant] = []
    for chapter, stubs in course.select(spec):
        path = course.solutions_dir / chapter.filename
        out.extend(mutate_chapter(path, chapter.id, stubs, families))
    return out
