"""Read a graded folder back into result objects: ``load_results(DIR)``.

Two sources, best first:

1. the batch run state ``DIR/.torchdrill-state.sqlite`` (state.py), whose done rows hold each
   :class:`~torchdrill.results.SubmissionResult` exactly (``to_dict``), staff-only fields included
   (grader test ids, grader errors);
2. the per-submission Gradescope files ``DIR/<name>.json`` (the stable contract), turned back into
   results: chapter, qualified stub name and outcome come from each test's ``tags``, the title from
   its ``name``, the message from its ``output`` less the ``[label] `` prefix, and the messages as
   data (title id, feedback, notes) from ``extra_data``, so the result renders in any language
   (:meth:`~torchdrill.results.SubmissionResult.localized`).

A submission is read from the state when the state has it, else from its JSON file, so a folder
graded by an older torchdrill, copied without its state, or holding some hand-written results
still reads.  The state is opened read-only and without the run lock: a report can be made while
a run is still grading into the folder (it shows what is committed so far).  Nothing here imports
torch.
"""
from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..messages import Feedback, Msg
from ..results import CheckResult, Outcome, SubmissionResult

STATE_FILE = ".torchdrill-state.sqlite"      # the same name as state.STATE_FILE (not imported: keep this light)

_LABEL = re.compile(r"^\[[^\]\n]*\] ?")


@dataclass(frozen=True)
class Graded:
    """One submission of DIR: its name there (``DIR/<name>.json``) and its result."""

    name: str
    result: SubmissionResult
    source: str            # "state" or "json"


def load_results(folder: Path) -> list[Graded]:
    """Every graded submission in ``folder``, sorted by name.  Unreadable files are skipped."""
    folder = Path(folder)
    found: dict[str, Graded] = {}
    for name, d in _from_state(folder):
        try:
            found[name] = Graded(name, SubmissionResult.from_dict(d), "state")
        except (KeyError, TypeError, ValueError):
            continue
    for path in sorted(folder.glob("*.json")):
        name = path.name[:-len(".json")]
        if name in found or name.startswith("."):      # report.json is told apart by its content
            continue
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
            result = result_from_gradescope(d, name)
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
            continue
        if result is not None:
            found[name] = Graded(name, result, "json")
    return [found[n] for n in sorted(found)]


def is_results_file(d: Any) -> bool:
    """Whether a parsed JSON document looks like a Gradescope results.json written by torchdrill."""
    return (isinstance(d, dict) and isinstance(d.get("tests"), list) and isinstance(d.get("extra_data"), dict)
            and "submission" in d["extra_data"])


def result_from_gradescope(d: Any, name: str = "") -> SubmissionResult | None:
    """A results.json (as :func:`torchdrill.render.gradescope.results_json` writes it) back into a
    SubmissionResult; None when ``d`` is not one.  Staff-only fields (``node``) are not in the
    file and stay empty."""
    if not is_results_file(d):
        return None
    extra = d["extra_data"]
    checks = []
    for t in d["tests"]:
        tags = t.get("tags") or []
        if len(tags) < 3:
            raise ValueError("a test without its chapter, stub and outcome tags")
        chapter, qual, outcome = str(tags[0]), str(tags[1]), Outcome(tags[2])
        stub = qual[len(chapter) + 1:] if qual.startswith(chapter + ".") else qual.rpartition(".")[2]
        full = str(t.get("name", ""))
        title = full[len(qual) + 2:] if full.startswith(qual + ": ") else full
        message = "" if outcome.passed else _LABEL.sub("", str(t.get("output", "")), count=1)
        data = t.get("extra_data") if isinstance(t.get("extra_data"), dict) else {}
        title_id = data["title_id"] if isinstance(data.get("title_id"), str) else ""
        feedback = Feedback.from_data(data["feedback"]) if isinstance(data.get("feedback"), dict) else None
        checks.append(CheckResult(chapter, stub, title, outcome, float(t.get("score", 0.0)),
                                  float(t.get("max_score", 0.0)), t.get("visibility") == "visible", message,
                                  title_id=title_id, feedback=feedback))
    lines = str(d.get("output", "")).splitlines()
    failed = bool(extra.get("grading_failed"))
    notes = tuple(lines[1:-1] if failed and len(lines) > 1 else lines[1:])
    note_msgs = tuple(Msg.from_data(m) for m in extra.get("note_msgs") or ())
    return SubmissionResult(
        submission=str(extra.get("submission") or name), checks=tuple(checks), device=str(extra.get("device", "cpu")),
        lang=str(extra.get("lang", "en")), seconds=float(d.get("execution_time", 0.0) or 0.0), notes=notes,
        note_msgs=note_msgs if len(note_msgs) == len(notes) else (),
        error="grading failed" if failed else "",
        extra={"isolated": bool(extra.get("isolated")), "torch": str(extra.get("torch", ""))},
    )


def _from_state(folder: Path) -> list[tuple[str, dict]]:
    db_path = folder / STATE_FILE
    if not db_path.is_file():
        return []
    try:
        db = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            rows = db.execute("SELECT name, result FROM submissions WHERE status = 'done' AND result IS NOT NULL "
                              "ORDER BY name").fetchall()
        finally:
            db.close()
    except sqlite3.Error:
        return []                 # unreadable or another schema: the JSON files are the fallback
    out = []
    for name, text in rows:
        try:
            out.append((str(name), json.loads(text)))
        except (TypeError, ValueError):
            continue
    return out
