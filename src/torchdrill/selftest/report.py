"""The self-test's result: what each mutant did to its stub's points, as JSON and as terminal tables.

Computing and presenting are apart: ``verdicts`` turns grades into frozen ``Verdict``s, the
``SelftestReport`` only counts them, ``to_json`` and ``print_report`` only read it.

A wrong-answer mutant is *killed* when its stub loses points (at least one of its checks fails),
*equivalent* when graders/selftest.yml declares it so, and *survived* otherwise.  A right-answer
rewrite is *accepted* when its stub keeps full marks and *wrongly rejected* otherwise.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..fsutil import write_atomic
from .mutants import Mutant
from .runner import StubGrade

KILLED, SURVIVED, EQUIVALENT, ACCEPTED, REJECTED = "killed", "survived", "equivalent", "accepted", "wrongly_rejected"


@dataclass(frozen=True)
class Verdict:
    mutant: Mutant
    status: str
    grade: StubGrade
    reason: str = ""            # why it is equivalent, from graders/selftest.yml


@dataclass(frozen=True)
class SelftestReport:
    stubs: tuple[str, ...]                          # qualnames under test, in course order
    verdicts: tuple[Verdict, ...]
    seconds: float = 0.0
    problems: tuple[str, ...] = field(default_factory=tuple)
    device: str = "cpu"                             # where the graders ran

    def _count(self, status: str, qual: str | None = None) -> int:
        return sum(1 for v in self.verdicts if v.status == status and (qual is None or v.mutant.qualname == qual))

    def wrong(self, qual: str | None = None) -> list[Verdict]:
        return [v for v in self.verdicts if v.mutant.family == "wrong" and (qual is None or v.mutant.qualname == qual)]

    @property
    def mutants(self) -> int:
        return len(self.wrong())

    @property
    def killed(self) -> int:
        return self._count(KILLED)

    @property
    def equivalent(self) -> int:
        return self._count(EQUIVALENT)

    @property
    def survived(self) -> int:
        return self._count(SURVIVED)

    @property
    def wrongly_rejected(self) -> int:
        return self._count(REJECTED)

    @property
    def score(self) -> float:
        due = self.mutants - self.equivalent
        return self.killed / due if due else 1.0

    def passed(self, min_score: float) -> bool:
        return self.score >= min_score and not self.wrongly_rejected and not self.problems


def verdicts(mutants: list[Mutant], grades: dict[str, dict[str, StubGrade]], equivalents: dict[str, str]
             ) -> tuple[list[Verdict], list[str]]:
    """One verdict per mutant, and problems (an equivalent that the graders kill after all)."""
    out, problems = [], []
    for m in mutants:
        g = grades[m.id].get(m.qualname) or StubGrade(0.0, 0.0, ("no check of this stub ran",), True)
        if m.family == "right":
            out.append(Verdict(m, ACCEPTED if g.full else REJECTED, g))
        elif not g.full:
            out.append(Verdict(m, KILLED, g))
            if m.id in equivalents:
                problems.append(f"{m.id} is declared equivalent in graders/selftest.yml, but the graders kill it "
                                f"({'; '.join(g.failed[:2])}): remove the entry")
        elif m.id in equivalents:
            out.append(Verdict(m, EQUIVALENT, g, equivalents[m.id]))
        else:
            out.append(Verdict(m, SURVIVED, g))
    return out, problems


def to_json(report: SelftestReport) -> dict:
    stubs = {}
    for qual in report.stubs:
        wrong = report.wrong(qual)
        right = [v for v in report.verdicts if v.mutant.family == "right" and v.mutant.qualname == qual]
        stubs[qual] = {
            "mutants": len(wrong),
            "killed": sum(v.status == KILLED for v in wrong),
            "equivalent": sum(v.status == EQUIVALENT for v in wrong),
            "survived": [{"id": v.mutant.id, "operator": v.mutant.operator, "change": v.mutant.label,
                          "diff": v.mutant.diff} for v in wrong if v.status == SURVIVED],
            "right_answers": len(right),
            "wrongly_rejected": [{"id": v.mutant.id, "operator": v.mutant.operator, "change": v.mutant.label,
                                  "diff": v.mutant.diff, "failed": list(v.grade.failed)}
                                 for v in right if v.status == REJECTED],
        }
    return {
        "score": round(report.score, 6),
        "mutants": report.mutants,
        "killed": report.killed,
        "equivalent": report.equivalent,
        "survived": report.survived,
        "right_answers": sum(v.mutant.family == "right" for v in report.verdicts),
        "wrongly_rejected": report.wrongly_rejected,
        "seconds": round(report.seconds, 1),
        "device": report.device,
        "problems": list(report.problems),
        "stubs": stubs,
    }


def write_json(report: SelftestReport, path: Path) -> None:
    write_atomic(path, json.dumps(to_json(report), ensure_ascii=False, indent=2) + "\n")


def print_report(report: SelftestReport, console=None, min_score: float = 1.0) -> None:
    """A table per chapter, then every survivor and wrongly rejected rewrite with its diff."""
    from rich.console import Console
    from rich.syntax import Syntax
    from rich.table import Table

    console = console or Console(highlight=False)
    chapters: dict[str, list[str]] = {}
    for qual in report.stubs:
        chapters.setdefault(qual.split(".", 1)[0], []).append(qual)
    for chapter, quals in chapters.items():
        table = Table(title=chapter, title_justify="left")
        table.add_column("stub", justify="left")
        for col in ("mutants", "killed", "equivalent", "survived", "right answers"):
            table.add_column(col, justify="right")
        for qual in quals:
            wrong = report.wrong(qual)
            right = [v for v in report.verdicts if v.mutant.family == "right" and v.mutant.qualname == qual]
            surv = sum(v.status == SURVIVED for v in wrong)
            rej = sum(v.status == REJECTED for v in right)
            table.add_row(qual.split(".", 1)[1], str(len(wrong)), str(sum(v.status == KILLED for v in wrong)),
                          str(sum(v.status == EQUIVALENT for v in wrong)),
                          f"[bold red]{surv}[/]" if surv else "0",
                          f"[bold red]{rej} wrongly rejected[/] / {len(right)}" if rej else f"{len(right)} accepted")
        console.print(table)
    for v in report.verdicts:
        if v.status in (SURVIVED, REJECTED):
            head = "survived" if v.status == SURVIVED else "wrongly rejected (a right answer lost points: " + \
                "; ".join(v.grade.failed[:3]) + ")"
            console.print(f"[bold]{v.mutant.id}[/] {head}: {v.mutant.label}", markup=True)
            console.print(Syntax(v.mutant.diff.rstrip("\n"), "diff", theme="ansi_dark", background_color="default"))
    for p in report.problems:
        console.print(f"[bold red]problem:[/] {p}")
    colour = "green" if report.passed(min_score) else "red"
    console.print(f"[{colour}]score {report.score:.3f}[/] ({report.killed} killed of {report.mutants} mutants, "
                  f"{report.equivalent} declared equivalent, {report.survived} survived; "
                  f"{report.wrongly_rejected} of {sum(v.mutant.family == 'right' for v in report.verdicts)} "
                  f"right answers wrongly rejected) in {report.seconds:.0f} s on {report.device}")
