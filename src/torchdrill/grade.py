"""Grading one submission: stage → run the graders in the sandbox → collect → points.

    stage(submission)           files copied into the sandbox's scratch folder (submission.py)
    run the checks              pytest over graders/ with GradingPlugin, collected once per session
                                (session.py); student code only in the sandbox
    assemble(course, records)   one CheckResult per check; points from course.yml, split by weight

NB: assemble must come after the job's checks have all run, so that a check that never ran is
filed as a failure instead of silently missing.  This module holds the pieces every session
shares: the device, the limits, the sandbox's construction, the points.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .course import Course
from .messages import GRADER_ERROR, N_, Feedback, Msg
from .results import CheckResult, Outcome, SubmissionResult
from .sandbox import Sandbox, SandboxLimits

if TYPE_CHECKING:
    import torch

    from .grading.plugin import Record


def sandbox_limits(course: Course) -> SandboxLimits:
    lim = course.limits
    return SandboxLimits(call_seconds=float(lim.call_seconds), cpu_seconds=int(lim.cpu_seconds),
                         memory_mb=int(lim.memory_mb), output_kb=int(lim.output_kb))


def resolve_device(requested: str) -> torch.device:
    """``auto``: cuda, else mps, else cpu.  Asking for a device that is not here is an error."""
    import torch

    from .errors import UsageError

    if requested == "auto":
        # torch's own notion of "the accelerator here" (CUDA first, then MPS ...), else the CPU.
        acc = torch.accelerator.current_accelerator(check_available=True)
        return torch.device(acc.type if acc is not None and acc.type in ("cuda", "mps") else "cpu")
    if requested == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: no CUDA device is available here; use --device auto or cpu")
    if requested == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise UsageError("--device mps: no MPS device is available here; use --device auto or cpu")
    return torch.device(requested)


def secrets_of(course: Course) -> list[str]:
    """What sandboxed code must never see even if a read-only bind happened to include it."""
    root = course.root
    return [str(p) for p in (root / "solutions", root / "graders", root / "tests", root / ".git") if p.exists()]


def new_sandbox(course: Course, device: torch.device | str, *, sandbox: str | None = None) -> Sandbox:
    """The sandbox for ``device``; ``sandbox``: auto | full | portable (None: $TORCHDRILL_SANDBOX,
    else auto), see :mod:`torchdrill.sandbox.backend`."""
    from .sandbox import backend

    limits = sandbox_limits(course)
    if getattr(device, "type", "cpu") != "cpu":   # CUDA starts threads of its own, maps terabytes
        limits = SandboxLimits(**{**limits.__dict__, "nproc": 64, "address_space": False})
    return backend.sandbox_class(backend.resolve(sandbox))(limits, hide=secrets_of(course), device=str(device))


def assemble(course: Course, records: Mapping[str, Record], *, lang: str, chapters: list[str], stubs: set[str] | None,
             visible_only: bool = False) -> tuple[CheckResult, ...]:
    """One CheckResult per check, in course order; every stub's points are accounted for."""
    by_stub: dict[str, list[Record]] = {}
    for rec in records.values():
        by_stub.setdefault(f"{rec.chapter}.{rec.stub}", []).append(rec)
    out: list[CheckResult] = []
    for ch in course.chapters:
        if ch.id not in chapters:
            continue
        for stub, points in ch.stubs.items():
            qual = ch.qualname(stub)
            if stubs is not None and qual not in stubs:
                continue
            recs = by_stub.get(qual, [])
            if not recs:
                if stubs is None and not visible_only:   # no check at all: never free points, never absent
                    out.append(_check(ch.id, stub, N_("no grader for this stub yet"), Outcome.GRADER_ERROR, 0.0,
                                      float(points), False, Feedback.of(GRADER_ERROR), lang,
                                      "no check found for this stub"))
                continue
            total_w = sum(r.weight for r in recs)
            # Shares on a 1/32 grid are exact binary fractions, so the checks' max_scores add up to
            # exactly the stub's points (and the course's) in floating point, not 59.99999999999999.
            shares = [round(points * r.weight / total_w * 32) / 32 for r in recs]
            shares[-1] = points - sum(shares[:-1])
            for rec, share in zip(recs, shares, strict=True):
                outcome = rec.outcome or Outcome.GRADER_ERROR
                feedback = (rec.feedback or Feedback.of(GRADER_ERROR)) if not outcome.passed else None
                out.append(_check(ch.id, stub, rec.title_id, outcome, share if outcome.passed else 0.0, share,
                                  rec.visible, feedback, lang, rec.nodeid + (f" | {rec.staff}" if rec.staff else "")))
    return tuple(out)


def _check(chapter: str, stub: str, title_id: str, outcome: Outcome, score: float, max_score: float,
           visible: bool, feedback: Feedback | None, lang: str, node: str) -> CheckResult:
    """A CheckResult holding its title and feedback as data, rendered once in ``lang``."""
    return CheckResult(chapter, stub, Msg(title_id).render(lang), outcome, score, max_score, visible,
                       feedback.render(lang) if feedback is not None else "", node=node, title_id=title_id,
                       feedback=feedback)


def grade_submission(submission: Path, course: Course, sandbox: Sandbox, *, lang: str, device: torch.device | str,
                     select: str | None = None, visible_only: bool = False,
                     name: str | None = None) -> SubmissionResult:
    """Grade one submission end to end in an already started ``sandbox``. Never raises for anything
    the submission does.  (Many submissions: :class:`torchdrill.session.GradingSession`.)"""
    from .session import GradingSession

    session = GradingSession(course, lang=lang, device=str(device), select=select, visible_only=visible_only,
                             sandbox=sandbox)
    return session.grade(Path(submission), name=name)


def failed_result(course: Course, name: str, error: str, *, lang: str, device: str = "cpu",
                  select: str | None = None) -> SubmissionResult:
    """The result when grading itself broke: still valid, score 0, every stub accounted for."""
    checks = []
    for ch, stubs in course.select(select):
        for stub in stubs:
            checks.append(_check(ch.id, stub, N_("graded"), Outcome.GRADER_ERROR, 0.0, float(ch.stubs[stub]),
                                 False, Feedback.of(GRADER_ERROR), lang, error[:500]))
    return SubmissionResult(submission=name, checks=tuple(checks), device=str(device), lang=lang,
                            error=error[:2000] or "grading failed")
