"""The figures of a class report, computed from results only (no rendering here).

``summarise(graded, course)`` reads a list of :class:`~torchdrill.report.load.Graded` and returns
one frozen :class:`Summary`; ``Summary.to_dict()`` is ``DIR/report.json``.  The HTML page and the
plots only read a Summary.

Words used here:

* a student's **stub status** is one outcome per stub: ``passed`` when every check of the stub
  passed, else the first of not_implemented, missing, timeout, memory, crashed, wrong that any of
  its checks got, and ``grader_error`` only when nothing else went wrong (the stub could not be
  judged: not the student's fault);
* a stub's **pass rate** is passed / graded, where *graded* leaves out the students whose stub
  status is ``grader_error``; it is None when nobody could be graded;
* a **failure message** is the first line of a check's message with every number masked as ``#``,
  so "shape (4,)" and "shape (5,)" count as one; each is counted once per student.

Nothing here imports torch.
"""
from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from ..results import CheckResult, Outcome, SubmissionResult

REPORT_SCHEMA = 1
TOP_FAILURES = 10          # failure messages kept per stub

#: stub status precedence (see the module docstring)
_PRECEDENCE = (Outcome.NOT_IMPLEMENTED, Outcome.MISSING, Outcome.TIMEOUT, Outcome.MEMORY, Outcome.CRASHED,
               Outcome.WRONG)
#: outcomes whose messages are mistakes worth reading (not "not implemented", not staff problems)
_MISTAKES = (Outcome.WRONG, Outcome.CRASHED, Outcome.TIMEOUT, Outcome.MEMORY)

_SIZES = re.compile(r"(?<![\w.])\d+(?:x\d+)+(?!\w)")        # 3x4, 2x3x5
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?!\w)")
_SPACES = re.compile(r"\s+")


def normalise_message(message: str, limit: int = 200) -> str:
    """First non-empty line, numbers masked as ``#``, runs of spaces folded, at most ``limit`` chars."""
    first = next((line.strip() for line in message.splitlines() if line.strip()), "")
    text = _SPACES.sub(" ", _NUMBER.sub("#", _SIZES.sub(lambda m: "x".join("#" * (m.group().count("x") + 1)), first)))
    return text if len(text) <= limit else text[:limit - 1] + "…"


def stub_status(outcomes: Iterable[Outcome]) -> Outcome:
    """One outcome for a student's stub from the outcomes of its checks (see the module docstring)."""
    got = set(outcomes)
    if not got or got == {Outcome.PASSED}:
        return Outcome.PASSED
    for o in _PRECEDENCE:
        if o in got:
            return o
    return Outcome.GRADER_ERROR


# --------------------------------------------------------------------------- the figures

@dataclass(frozen=True)
class FailureMessage:
    outcome: str           # wrong | crashed | timeout | memory
    message: str           # normalised (numbers masked)
    example: str           # one real first line (of the first student by name)
    students: int


@dataclass(frozen=True)
class StubFigures:
    qualname: str
    chapter: str
    stub: str
    points: float
    students: int                    # students with a result for this stub
    graded: int                      # of whom could be judged (status is not grader_error)
    passed: int                      # of whom passed every check
    pass_rate: float | None          # passed / graded; None when graded == 0
    mean_score: float
    statuses: dict[str, int]         # stub status -> students (sums to ``students``)
    failures: tuple[FailureMessage, ...]

    @property
    def mean_fraction(self) -> float:
        return self.mean_score / self.points if self.points else 0.0


@dataclass(frozen=True)
class ChapterFigures:
    id: str
    title: str
    points: float
    mean_score: float
    passed: int                      # students who passed every stub of the chapter
    stubs: tuple[StubFigures, ...]


@dataclass(frozen=True)
class ProblemSubmission:
    name: str
    score: float
    max_score: float
    timeouts: int                    # checks that hit the time limit
    memory: int                      # checks that hit the memory limit
    crashed: int                     # checks where the student's code raised
    grader_errors: int               # checks that could not be judged (outside the course-wide ones)
    not_gradable: bool               # grading itself failed, or nothing could be judged
    details: tuple[str, ...]         # notes from staging, the grading error
    timeout_stubs: tuple[str, ...] = ()   # qualified names of the stubs behind those counts
    memory_stubs: tuple[str, ...] = ()
    crashed_stubs: tuple[str, ...] = ()

    @property
    def needs_look(self) -> bool:
        """Something beyond an ordinary mistake: a limit, a grader error, a note, no grade at all.
        (A crash is the student's code raising: a mistake like a wrong answer.)"""
        return bool(self.timeouts or self.memory or self.grader_errors or self.not_gradable or self.details)


@dataclass(frozen=True)
class GraderErrorGroup:
    qualname: str
    students: int
    widespread: bool                 # all (or, of 4 or more, half) the students got it: a grader problem
    details: tuple[str, ...]         # staff details (grader test ids), when the run state has them


@dataclass(frozen=True)
class StudentRow:
    name: str
    score: float
    max_score: float
    lang: str
    stubs_passed: int
    stubs: int
    statuses: dict[str, int]         # stub status -> stubs


@dataclass(frozen=True)
class Summary:
    title: str
    folder: str
    submissions: int
    max_score: float
    mean: float
    median: float
    stdev: float
    lowest: float
    highest: float
    full_marks: int
    zero: int
    histogram_edges: tuple[float, ...]
    histogram_counts: tuple[int, ...]
    chapters: tuple[ChapterFigures, ...]
    hardest: tuple[str, ...]          # qualified stub names, hardest first
    problems: tuple[ProblemSubmission, ...]
    grader_errors: tuple[GraderErrorGroup, ...]
    students: tuple[StudentRow, ...]
    devices: tuple[str, ...]
    torch: tuple[str, ...]
    version: str

    @property
    def needs_look(self) -> tuple[ProblemSubmission, ...]:
        return tuple(p for p in self.problems if p.needs_look)

    @property
    def crashed_only(self) -> tuple[ProblemSubmission, ...]:
        return tuple(p for p in self.problems if not p.needs_look)

    def stub(self, qualname: str) -> StubFigures:
        for ch in self.chapters:
            for s in ch.stubs:
                if s.qualname == qualname:
                    return s
        raise KeyError(qualname)

    @property
    def scores(self) -> list[float]:
        return [s.score for s in self.students]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d = {"schema": REPORT_SCHEMA, **d}
        for p, problem in zip(d["problems"], self.problems, strict=True):
            p["needs_look"] = problem.needs_look
        d["histogram"] = {"edges": d.pop("histogram_edges"), "counts": d.pop("histogram_counts")}
        for ch in d["chapters"]:
            for s, fig in zip(ch["stubs"], next(c for c in self.chapters if c.id == ch["id"]).stubs, strict=True):
                s["mean_fraction"] = round(fig.mean_fraction, 4)
        return _plain(d)


def _plain(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, float):
        return round(x, 4) if math.isfinite(x) else None
    return x


# --------------------------------------------------------------------------- computing

def histogram(scores: list[float], max_score: float) -> tuple[tuple[float, ...], tuple[int, ...]]:
    """Bins centred on 0, w, 2w, … max_score, so that 0 and full marks have bars of their own:
    w is one point up to 30 points, else the smallest of 2, 2.5, 5, 10 … that gives at most 30
    bins.  A score goes to the nearest centre.  Returns (edges, counts), one more edge than counts."""
    top = max([max_score, *scores, 0.0])
    if top <= 0:
        return (-0.5, 0.5), (len(scores),)
    width = 1.0
    for step in (1, 2, 2.5, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        width = float(step)
        if top / width <= 30:
            break
    n = math.floor(top / width + 0.5) + 1
    edges = tuple(round((i - 0.5) * width, 4) for i in range(n + 1))
    counts = [0] * n
    for s in scores:
        counts[min(n - 1, max(0, math.floor(s / width + 0.5 + 1e-9)))] += 1
    return edges, tuple(counts)


def summarise(graded, course=None, *, folder: str = "", lang: str = "en") -> Summary:
    """The figures of a report from ``graded`` (``load_results``), in the order of ``course`` when
    given (else in the order the results list their checks)."""
    from .. import __version__

    results: list[tuple[str, SubmissionResult]] = [(g.name, g.result) for g in graded]
    order, chapter_of, points = _stub_order(results, course)
    titles = {c.id: c.title.in_(lang) for c in course.chapters} if course is not None else {}

    # per stub, per student: the checks
    per: dict[str, dict[str, list[CheckResult]]] = {q: {} for q in order}
    for name, r in results:
        for c in r.checks:
            per.setdefault(c.qualname, {}).setdefault(name, []).append(c)

    status_of: dict[tuple[str, str], Outcome] = {}
    stub_figs = {q: _stub_figures(q, chapter_of[q], points[q], per.get(q, {}), status_of) for q in order}
    chapters = _chapter_figures(order, chapter_of, stub_figs, per, status_of, titles)
    graded_stubs = [s for ch in chapters for s in ch.stubs]
    hardest = tuple(s.qualname for s in sorted(
        graded_stubs, key=lambda s: (s.pass_rate is None, s.pass_rate or 0.0, s.mean_fraction,
                                     order.index(s.qualname))))
    widespread = {s.qualname for s in graded_stubs if _widespread(s.statuses.get(Outcome.GRADER_ERROR.value, 0),
                                                                   s.students)}
    problems, groups = _problems(results, widespread, order)

    scores = [r.score for _, r in results]
    max_score = max([r.max_score for _, r in results], default=0.0)
    if course is not None and order:
        max_score = max(max_score, sum(points[q] for q in order if stub_figs[q].students))
    edges, counts = histogram(scores, max_score)
    return Summary(
        title=course.title.in_(lang) if course is not None else "",
        folder=folder,
        submissions=len(results), max_score=max_score,
        mean=statistics.fmean(scores) if scores else 0.0,
        median=statistics.median(scores) if scores else 0.0,
        stdev=statistics.pstdev(scores) if len(scores) > 1 else 0.0,
        lowest=min(scores, default=0.0), highest=max(scores, default=0.0),
        full_marks=sum(1 for _, r in results if r.max_score and r.score >= r.max_score - 1e-6),
        zero=sum(1 for s in scores if s <= 1e-9),
        histogram_edges=edges, histogram_counts=counts,
        chapters=tuple(chapters), hardest=hardest, problems=problems, grader_errors=groups,
        students=_student_rows(results, order, status_of),
        devices=tuple(sorted({r.device for _, r in results})),
        torch=tuple(sorted({str(r.extra.get("torch", "")) for _, r in results} - {""})),
        version=__version__,
    )


def _stub_figures(q: str, chapter: str, points: float, by_student: dict[str, list[CheckResult]],
                  status_of: dict[tuple[str, str], Outcome]) -> StubFigures:
    """The figures of one stub; each student's status on it goes into ``status_of``."""
    statuses: dict[str, int] = {}
    scores = []
    failures: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for name in sorted(by_student):
        checks = by_student[name]
        st = stub_status(c.outcome for c in checks)
        status_of[(name, q)] = st
        statuses[st.value] = statuses.get(st.value, 0) + 1
        scores.append(sum(c.score for c in checks))
        for key, example in _mistakes(checks):
            failures.setdefault(key, []).append((name, example))
    n = len(by_student)
    graded_n = n - statuses.get(Outcome.GRADER_ERROR.value, 0)
    passed = statuses.get(Outcome.PASSED.value, 0)
    top = sorted(failures.items(), key=lambda kv: (-len(kv[1]), kv[0][1], kv[0][0]))[:TOP_FAILURES]
    return StubFigures(
        qualname=q, chapter=chapter, stub=q[len(chapter) + 1:], points=points, students=n,
        graded=graded_n, passed=passed, pass_rate=(passed / graded_n) if graded_n else None,
        mean_score=(sum(scores) / n) if n else 0.0,
        statuses={k: statuses[k] for k in sorted(statuses, key=_status_rank)},
        failures=tuple(FailureMessage(o, m, ex[0][1], len(ex)) for (o, m), ex in top),
    )


def _mistakes(checks: list[CheckResult]) -> list[tuple[tuple[str, str], str]]:
    """One student's distinct mistakes on a stub: ((outcome, normalised first line), example line)."""
    out: dict[tuple[str, str], str] = {}
    for c in checks:
        if c.outcome not in _MISTAKES:
            continue
        key = (c.outcome.value, normalise_message(c.message) or c.outcome.value)
        if key not in out:
            example = next((line.strip() for line in c.message.splitlines() if line.strip()), "")
            out[key] = example[:300]
    return list(out.items())


def _chapter_figures(order: list[str], chapter_of: dict[str, str], stub_figs: dict[str, StubFigures],
                     per: dict[str, dict[str, list[CheckResult]]], status_of: dict[tuple[str, str], Outcome],
                     titles: dict[str, str]) -> list[ChapterFigures]:
    """The chapters that some submission was graded on, in course order."""
    chapters = []
    for ch_id in dict.fromkeys(chapter_of[q] for q in order):
        stubs = tuple(stub_figs[q] for q in order if chapter_of[q] == ch_id and stub_figs[q].students)
        if not stubs:
            continue
        names = sorted({name for q in (s.qualname for s in stubs) for name in per.get(q, {})})
        ch_scores = [sum(c.score for q in (s.qualname for s in stubs) for c in per[q].get(name, ())) for name in names]
        all_passed = sum(1 for name in names
                         if all(status_of.get((name, s.qualname)) is Outcome.PASSED for s in stubs))
        chapters.append(ChapterFigures(
            id=ch_id, title=titles.get(ch_id, ch_id), points=sum(s.points for s in stubs),
            mean_score=(sum(ch_scores) / len(ch_scores)) if ch_scores else 0.0, passed=all_passed, stubs=stubs))
    return chapters


def _student_rows(results: list[tuple[str, SubmissionResult]], order: list[str],
                  status_of: dict[tuple[str, str], Outcome]) -> tuple[StudentRow, ...]:
    students = []
    for name, r in results:
        sts = [status_of[(name, q)] for q in order if (name, q) in status_of]
        counts: dict[str, int] = {}
        for st in sts:
            counts[st.value] = counts.get(st.value, 0) + 1
        students.append(StudentRow(name=name, score=r.score, max_score=r.max_score, lang=r.lang,
                                   stubs_passed=counts.get(Outcome.PASSED.value, 0), stubs=len(sts),
                                   statuses={k: counts[k] for k in sorted(counts, key=_status_rank)}))
    return tuple(students)


def _status_rank(value: str) -> int:
    ranks = [Outcome.PASSED.value, *(o.value for o in _PRECEDENCE), Outcome.GRADER_ERROR.value]
    return ranks.index(value) if value in ranks else len(ranks)


def _stub_order(results, course) -> tuple[list[str], dict[str, str], dict[str, float]]:
    """Qualified stub names in course order (then any the course does not know, in order of
    appearance), each stub's chapter, and its points."""
    order: list[str] = []
    chapter_of: dict[str, str] = {}
    points: dict[str, float] = {}
    if course is not None:
        for ch, stub, pts in course.stubs():
            q = ch.qualname(stub)
            order.append(q)
            chapter_of[q] = ch.id
            points[q] = float(pts)
    seen_max: dict[tuple[str, str], float] = {}
    for name, r in results:
        for c in r.checks:
            if c.qualname not in chapter_of:
                order.append(c.qualname)
                chapter_of[c.qualname] = c.chapter
            seen_max[(name, c.qualname)] = seen_max.get((name, c.qualname), 0.0) + c.max_score
    for (_, q), m in seen_max.items():
        if q not in points or course is None:
            points[q] = max(points.get(q, 0.0), round(m, 4))
    return order, chapter_of, points


def _widespread(errors: int, students: int) -> bool:
    """Grader errors on a stub are the grader's problem, not any one submission's, when every
    student got them, or half of four or more students did."""
    return errors > 0 and (errors == students or (students >= 4 and 2 * errors >= students))


def _problems(results, widespread: set[str],
              order: list[str]) -> tuple[tuple[ProblemSubmission, ...], tuple[GraderErrorGroup, ...]]:
    rows = []
    groups: dict[str, dict] = {}
    for name, r in results:
        row = _problem_row(name, r, widespread, groups)
        if row is not None:
            rows.append(row)
    rows.sort(key=lambda p: (not p.not_gradable, not p.needs_look, -(p.timeouts + p.memory), not p.details,
                             -p.grader_errors, -p.crashed, p.name))
    out_groups = tuple(
        GraderErrorGroup(qualname=q, students=len(g["students"]), widespread=q in widespread,
                         details=tuple(g["details"]))
        for q, g in sorted(groups.items(), key=lambda kv: (-len(kv[1]["students"]), order.index(kv[0]))))
    return tuple(rows), out_groups


def _problem_row(name: str, r: SubmissionResult, widespread: set[str],
                 groups: dict[str, dict]) -> ProblemSubmission | None:
    """The row of a submission with something to look at (None when there is nothing); its grader
    errors are filed in ``groups`` by stub."""
    counts = dict.fromkeys(Outcome, 0)
    for c in r.checks:
        counts[c.outcome] += 1
        if c.outcome is Outcome.GRADER_ERROR:
            g = groups.setdefault(c.qualname, {"students": set(), "details": []})
            g["students"].add(name)
            detail = c.node.strip()
            if detail and detail not in g["details"] and len(g["details"]) < 5:
                g["details"].append(detail[:300])
    own_grader_errors = sum(1 for c in r.checks if c.outcome is Outcome.GRADER_ERROR and c.qualname not in widespread)
    not_gradable = bool(r.error) or (bool(r.checks) and all(c.outcome is Outcome.GRADER_ERROR for c in r.checks))
    details = tuple(r.notes) + ((r.error,) if r.error else ())
    if not (counts[Outcome.TIMEOUT] or counts[Outcome.MEMORY] or counts[Outcome.CRASHED] or own_grader_errors
            or not_gradable or details):
        return None

    def stubs_with(outcome: Outcome) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.qualname for c in r.checks if c.outcome is outcome))

    return ProblemSubmission(name=name, score=r.score, max_score=r.max_score,
                             timeouts=counts[Outcome.TIMEOUT], memory=counts[Outcome.MEMORY],
                             crashed=counts[Outcome.CRASHED], grader_errors=own_grader_errors,
                             not_gradable=not_gradable, details=details,
                             timeout_stubs=stubs_with(Outcome.TIMEOUT), memory_stubs=stubs_with(Outcome.MEMORY),
                             crashed_stubs=stubs_with(Outcome.CRASHED))
