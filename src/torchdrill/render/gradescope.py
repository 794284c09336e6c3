"""Gradescope's results.json, from a SubmissionResult.

Fields as Gradescope documents them: top-level ``score``, ``execution_time``, ``output``,
``visibility``, ``stdout_visibility``, ``extra_data``, ``tests``; each test ``name``, ``number``,
``score``, ``max_score``, ``status``, ``output``, ``visibility``, ``tags``, ``extra_data``.  Staff-only
details (grader test ids, grader exceptions) never go into this file.

The text is in the language graded with; the messages behind it are kept as data where Gradescope
allows extra data (each test's ``extra_data``: the title id, the feedback, the outcome; the top
level's ``extra_data.note_msgs``), so ``torchdrill report DIR --lang`` can render the same folder
in another language (:func:`torchdrill.report.load.result_from_gradescope`).
"""
from __future__ import annotations

import json
from pathlib import Path

from ..fsutil import write_atomic
from ..i18n import gettext_for
from ..messages import GRADER_ERROR, N_
from ..results import CheckResult, Outcome, SubmissionResult

_LABELS = {
    Outcome.PASSED: N_("passed"),
    Outcome.NOT_IMPLEMENTED: N_("not implemented yet"),
    Outcome.WRONG: N_("wrong answer"),
    Outcome.CRASHED: N_("your code crashed"),
    Outcome.TIMEOUT: N_("time limit"),
    Outcome.MEMORY: N_("memory limit"),
    Outcome.MISSING: N_("missing"),
    Outcome.GRADER_ERROR: N_("grader error (not your fault)"),
}


def outcome_label(outcome: Outcome, lang: str) -> str:
    return gettext_for(lang)(_LABELS[outcome])


def test_entry(check: CheckResult, number: str, lang: str) -> dict:
    label = outcome_label(check.outcome, lang)
    output = label if check.outcome.passed else f"[{label}] {check.message}".rstrip()
    return {
        "name": check.name,
        "number": number,
        "score": round(check.score, 6),
        "max_score": round(check.max_score, 6),
        "status": "passed" if check.outcome.passed else "failed",
        "output": output,
        "output_format": "text",
        "visibility": "visible" if check.visible else "after_published",
        "tags": [check.chapter, check.qualname, check.outcome.value],
        "extra_data": structure(check),
    }


def structure(check: CheckResult) -> dict:
    """What a test's text is made of, as data: rendering it again in any language needs nothing else."""
    data: dict = {"outcome": check.outcome.value}
    if check.title_id:
        data["title_id"] = check.title_id
    if check.feedback is not None:
        data["feedback"] = check.feedback.to_data()
    return data


def results_json(result: SubmissionResult) -> dict:
    result = result.localized(result.lang)        # every title, message and note from the structure
    _ = gettext_for(result.lang)
    numbers: dict[str, int] = {}
    chapter_no: dict[str, int] = {}
    tests = []
    for c in result.checks:
        chapter_no.setdefault(c.chapter, len(chapter_no) + 1)
        numbers[c.chapter] = numbers.get(c.chapter, 0) + 1
        tests.append(test_entry(c, f"{chapter_no[c.chapter]}.{numbers[c.chapter]}", result.lang))
    lines = [_("Score: {score:g} / {max:g}").format(score=result.score, max=result.max_score)]
    lines += list(result.notes)
    if result.error:
        lines.append(_(GRADER_ERROR))
    return {
        "score": result.score,
        "execution_time": round(result.seconds, 3),
        "output": "\n".join(lines),
        "output_format": "text",
        "test_output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {
            "submission": result.submission, "max_score": result.max_score, "device": result.device,
            "lang": result.lang, "isolated": bool(result.extra.get("isolated")),
            "torch": result.extra.get("torch", ""), "grading_failed": bool(result.error),
            # measured, like execution_time: the highest memory a sandboxed child of this submission
            # held, as its memory cgroup counted it (0 where there is no cgroup)
            "memory_peak_mb": result.extra.get("memory_peak_mb", 0),
            "note_msgs": [m.to_data() for m in result.note_msgs],
        },
        "tests": tests,
    }


def without_measurements(data: dict) -> dict:
    """A results.json without what is measured rather than decided (the time it took, the memory
    it held): the same submission graded twice, anywhere, gives exactly this twice."""
    out = {k: v for k, v in data.items() if k != "execution_time"}
    if isinstance(out.get("extra_data"), dict):
        out["extra_data"] = {k: v for k, v in out["extra_data"].items() if k != "memory_peak_mb"}
    return out


def write_results(result: SubmissionResult, path: Path, *, durable: bool = True) -> None:
    """results.json, atomically (:func:`torchdrill.fsutil.write_atomic`)."""
    write_atomic(path, json.dumps(results_json(result), ensure_ascii=False, indent=2) + "\n", durable=durable)
