"""What a grader holds: the student's functions as sandboxed callables.

``student.call("train_step", w, x, y, 0.1, probes=[probe("grad_hook", 0)])`` runs the function in a
confined child and returns a :class:`Returned`; any other ending raises :class:`StudentProblem`
with the outcome and message the student will read.  ``callees=["loss_fn"]`` puts the reference
``loss_fn`` in place of the student's own, so one mistake costs only its own points.
"""
from __future__ import annotations

import ast
import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..messages import Feedback, Part, msg
from ..results import Outcome
from ..sandbox import Sandbox, probe
from .feedback import StudentProblem, call_problem


@dataclass
class Returned:
    value: Any
    values: list[Any] | None
    args: list[Any]
    kwargs: dict[str, Any]
    probes: dict[str, Any] = field(default_factory=dict)
    output: str = ""

    def callee_calls(self, name: str) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = (self.probes.get("callees") or {}).get(name, [])
        return calls


@lru_cache(maxsize=64)
def _callee_source(path: str, mtime: float, name: str) -> str:
    source = Path(path).read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines()
    parts = ["\n".join(lines[n.lineno - 1:n.end_lineno]) for n in tree.body
             if isinstance(n, (ast.Import, ast.ImportFrom))]
    funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    if len(funcs) != 1:
        raise LookupError(f"the reference defines no function {name!r}")
    fn = funcs[0]
    fn.body = [b for b in fn.body if not (isinstance(b, ast.Expr) and isinstance(b.value, ast.Constant))] or fn.body
    parts.append(ast.unparse(fn))          # the function alone, docstring dropped
    return "\n".join(parts) + "\n"


def callee_source(reference: Path, name: str) -> str:
    """Only what the child needs of the reference: the callee function and the module's imports.

    The rest of the solutions module never enters a process that runs student code."""
    return _callee_source(str(reference), reference.stat().st_mtime, name)


class Budget:
    """Time shared by all checks of one submission: a function that already ran out of time is
    not run again, and the whole submission has a ceiling, so an endless loop costs one limit."""

    def __init__(self, submission_seconds: float):
        self.deadline = time.monotonic() + submission_seconds
        self.submission_seconds = submission_seconds
        self.timed_out: dict[str, StudentProblem] = {}

    def before(self, qualname: str, func: str) -> None:
        if qualname in self.timed_out:
            first = self.timed_out[qualname]
            earlier = first.feedback
            raise StudentProblem(first.outcome, Feedback(
                msg("{func} was not run again: it already ran out of time in an earlier check.", func=func),
                details=(earlier.summary, *earlier.details)))
        if time.monotonic() > self.deadline:
            raise StudentProblem(Outcome.TIMEOUT, msg(
                "not run: grading this submission already took more than {s:g} s in total.",
                s=self.submission_seconds))

    def after(self, qualname: str, problem: StudentProblem) -> None:
        if problem.outcome is Outcome.TIMEOUT:
            self.timed_out[qualname] = problem


class Student:
    def __init__(self, sandbox: Sandbox, chapter: str, module: Path | None, reference: Path | None,
                 *, seed_salt: str = "", budget: Budget | None = None):
        self.sandbox, self.chapter, self.module, self.reference = sandbox, chapter, module, reference
        self.seed_salt = seed_salt
        self.budget = budget or Budget(float("inf"))
        self.calls = 0

    @property
    def filename(self) -> str:
        return f"{self.chapter}.py"

    def seed_for(self, label: str) -> int:
        """A seed that is the same on every run of the same check, and different between checks."""
        digest = hashlib.sha256(f"{self.seed_salt}:{self.chapter}:{label}".encode()).digest()
        return int.from_bytes(digest[:4], "little")

    def call(self, func: str, *args: Any, callees: Iterable[str] = (), record: Iterable[str] = (),
             probes: Iterable[dict[str, Any]] = (), repeat: int = 1, seed: int | None = None,
             wall_seconds: float | None = None, expected: Part = None, hint: Part = None,
             **kwargs: Any) -> Returned:
        """Run ``func`` of the student's module in the sandbox.

        ``expected`` (and ``hint``): when the student's code raises, the message also says what
        the call should have returned, so a crash teaches as much as a wrong answer."""
        __tracebackhide__ = True
        if self.module is None:
            raise StudentProblem(Outcome.MISSING, msg(
                "{module} is not in your submission, so {func} could not be graded.",
                module=self.filename, func=func))
        probes = list(probes)
        names = [p["name"] for p in probes]
        if len(set(names)) != len(names):
            raise ValueError(f"probes are keyed by name: {names} asks for one twice (use facts_of for several)")
        if record and "callees" not in names:
            probes.append(probe("callees"))      # recording is pointless unless the log comes back
        qualname = f"{self.chapter}.{func}"
        self.budget.before(qualname, func)
        self.calls += 1
        callee_spec = {}
        for name in list(callees) + [r for r in record if r not in callees]:
            if self.reference is None:
                continue
            callee_spec[name] = {"code": callee_source(self.reference, name), "record": name in set(record)}
        result = self.sandbox.call(
            self.module, self.chapter, func, list(args), kwargs, callees=callee_spec, probes=probes,
            repeat=repeat, seed=self.seed_for(f"{func}:{self.calls}") if seed is None else seed,
            wall_seconds=wall_seconds)
        if not result.ok:
            problem = call_problem(result, module=self.filename, func=func, limits=self.sandbox.limits)
            self.budget.after(qualname, problem)
            if expected is not None and result.status == "raised" and problem.outcome is Outcome.CRASHED:
                problem = StudentProblem(problem.outcome, problem.feedback.with_call(expected, hint))
            raise problem
        return Returned(result.value, result.values, result.args, result.kwargs, result.probes, result.output)
