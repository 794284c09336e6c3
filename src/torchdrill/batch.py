"""Grading many submissions in one run (first version: sequential, one sandbox)."""
from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from .grade import failed_result, grade_submission, new_sandbox, resolve_device
from .render.gradescope import write_atomic, write_results
from .submission import display_name


def grade_batch(submissions: list[Path], out: Path, course, *, lang: str, device: str, jobs: int | None = None,
                only: str | None = None, progress: bool = True) -> int:
    out.mkdir(parents=True, exist_ok=True)
    sandbox = new_sandbox(course, "cpu")
    sandbox.start()
    dev = resolve_device(device)
    sandbox.limits = new_sandbox(course, dev).limits
    results = []
    try:
        for sub in submissions:
            name = display_name(sub)
            try:
                r = grade_submission(sub, course, sandbox, lang=lang, device=dev, select=only, name=name)
            except Exception as exc:
                r = failed_result(course, name, f"{type(exc).__name__}: {exc}", lang=lang, device=str(dev), select=only)
            write_results(r, out / f"{name}.json")
            results.append(r)
    finally:
        sandbox.close()
    quals = [f"{c.id}.{s}" for c, ss in course.select(only) for s in ss]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["submission", *quals, "total"])
    for r in results:
        scores = r.stub_scores()
        w.writerow([r.submission, *[f"{scores.get(q, 0):g}" for q in quals], f"{r.score:g}"])
    write_atomic(out / "gradebook.csv", buf.getvalue())
    print(f"graded {len(results)} submissions into {out}", file=sys.stderr)
    return 0
