"""nbgrader's own ``autograde`` next to torchdrill's fast path, on the same submissions, in one run.

Builds a throw-away nbgrader course from this course (``torchdrill nbgrader``), releases one chapter
(``nbgrader generate_assignment``), makes N submissions from the released notebook (right answers,
a wrong one, an untouched one, one that patches ``torch.allclose``), copies the course folder, then:

  * ``nbgrader autograde CHAPTER --force``: a Jupyter kernel per notebook, each test cell grading
    its stub in our sandbox (a fresh grading process per cell);
  * ``torchdrill grade --nbgrader COPY CHAPTER --restart``: no kernel, the batch machinery, one warm
    sandbox per worker, scores written into the copy's gradebook.db.

Prints the wall time per submission of both (each command's total wall time over N: start-up
included), checks that both gradebooks hold the same scores, and prints the load average around
each run (the machine may be shared: compare the two numbers of one run, not numbers of different
runs).  No CPU figure: the kernels' grading processes and sandboxes live in sessions of their own
and are not all reaped by the command's process, so getrusage would miss part of their time.

``--chapter all`` grades whole courses instead: one assignment, ``course``, holds every chapter's
notebook (nbgrader starts a kernel per notebook, eight per student; the fast path grades all eight
in one batch).  ``--scale K`` also times the fast path on K copies of each submission (the same
notebooks under other student ids): the slope between the two fast-path runs is what one more
submission costs once the workers are warm, start-up excluded, and nbgrader's time per submission
over that slope is the ratio at scale (nbgrader has no start-up to amortise: a kernel per notebook).

Usage:  .venv/bin/python benchmarks/bench_nbgrader.py [--students N] [--chapter ex05_no_grad|all] [--jobs N]
                                                      [--scale K]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from nbgrader_support import fill, functions_of, gradebook_scores, nbgrader, submit, torchdrill  # noqa: E402

VARIANTS = {
    "ex05_no_grad": {
        "wrong": {"eval_no_grad": "def eval_no_grad(f, x):\n    return f(x).detach()\n"},
        "patcher": {"eval_no_grad": "def eval_no_grad(f, x):\n    return f(x) + 1.0\n",
                    "detach": "def detach(y):\n    return torch.zeros_like(y)\n"
                              "\n\nimport torch\ntorch.allclose = lambda *a, **k: True\n"},
        "alt": {"detach": "def detach(y):\n    out = y.detach()\n    return out\n"},
    },
}
KINDS = ("perfect", "wrong", "untouched", "patcher", "alt")
WHOLE = "course"                # --chapter all: the assignment that holds every chapter's notebook


def _release(course_dir: Path, chapter: str) -> tuple[str, list[str]]:
    """Make the nbgrader course and release the assignment; returns its name and its chapters."""
    from torchdrill.course import load_course

    chapters = [chapter] if chapter != "all" else [c.id for c in load_course(ROOT).chapters]
    only = [a for ch in chapters for a in ("--only", ch)]
    r = torchdrill("nbgrader", str(course_dir), *only)
    assert r.returncode == 0, r.stderr
    assignment = chapter
    if chapter == "all":                      # one assignment of eight notebooks, as a term's exam would be
        assignment = WHOLE
        (course_dir / "source" / WHOLE).mkdir()
        for ch in chapters:
            (course_dir / "source" / ch / f"{ch}.ipynb").rename(course_dir / "source" / WHOLE / f"{ch}.ipynb")
            (course_dir / "source" / ch).rmdir()
    r = nbgrader(course_dir, "generate_assignment", assignment, "--force")
    assert r.returncode == 0, r.stdout + r.stderr
    return assignment, chapters


def _submit_all(course_dir: Path, assignment: str, chapters: list[str], n: int, copies: int = 1) -> None:
    """N students (KINDS in turn), each handing in every chapter's notebook; ``copies`` > 1 repeats
    each student under new ids."""
    notebooks = {}
    for ch in chapters:
        released = json.loads((course_dir / "release" / assignment / f"{ch}.ipynb").read_text(encoding="utf-8"))
        solution = functions_of((ROOT / "solutions" / f"{ch}.py").read_text(encoding="utf-8"))
        notebooks[ch] = (released, solution)
    for c in range(copies):
        for i in range(n):
            kind = KINDS[i % len(KINDS)]
            student = f"s{i:02d}_{kind}" + (f"_c{c}" if c else "")
            for ch, (released, solution) in notebooks.items():
                answers = {} if kind == "untouched" else {**solution, **VARIANTS.get(ch, {}).get(kind, {})}
                submit(course_dir, student, assignment, fill(released, answers), notebook=ch)


def _median(runs: list) -> tuple:
    """The run of median wall time: (wall, load)."""
    return sorted(runs, key=lambda r: r[0])[len(runs) // 2]


def _timed(fn):
    load0, t0 = os.getloadavg()[0], time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0, (load0, os.getloadavg()[0])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=6)
    ap.add_argument("--chapter", default="ex05_no_grad", help="a chapter, or all: whole courses")
    ap.add_argument("--jobs", type=int, default=None, help="fast path workers (default: all cores)")
    ap.add_argument("--scale", type=int, default=1, metavar="K",
                    help="also grade K copies of each submission on the fast path: the slope, start-up excluded")
    ap.add_argument("--fast-runs", type=int, default=3, metavar="R", help="fast path runs; the medians are printed")
    ap.add_argument("--keep", action="store_true", help="keep the course folders (their path is printed)")
    args = ap.parse_args()
    chapter, n = args.chapter, args.students

    base = Path(tempfile.mkdtemp(prefix="bench-nbgrader-"))
    course_dir, fast_dir, scaled_dir = base / "course", base / "fast", base / "scaled"
    try:
        assignment, chapters = _release(course_dir, chapter)
        _submit_all(course_dir, assignment, chapters, n)
        shutil.copytree(course_dir, fast_dir)
        if args.scale > 1:
            shutil.copytree(course_dir, scaled_dir)
            _submit_all(scaled_dir, assignment, chapters, n, copies=args.scale)
        jobs = ["--jobs", str(args.jobs)] if args.jobs else []

        def fast_path(folder: Path):
            return torchdrill("grade", "--nbgrader", str(folder), assignment, "--restart", "--no-progress", *jobs)

        auto, auto_wall, auto_load = _timed(lambda: nbgrader(course_dir, "autograde", assignment, "--force",
                                                             timeout=7200))
        assert auto.returncode == 0, auto.stdout[-2000:] + auto.stderr[-2000:]
        # The fast path is cheap next to nbgrader: run it (and the scaled copy) several times, in
        # turn, and keep the medians, so one slow start on a shared machine does not make the figure.
        fast_runs, scaled_runs = [], []
        for _ in range(args.fast_runs):
            fast, wall, load = _timed(lambda: fast_path(fast_dir))
            assert fast.returncode == 0, fast.stdout + fast.stderr
            fast_runs.append((wall, load))
            if args.scale > 1:
                scaled, wall, load = _timed(lambda: fast_path(scaled_dir))
                assert scaled.returncode == 0, scaled.stdout + scaled.stderr
                scaled_runs.append((wall, load))
        fast_wall, fast_load = _median(fast_runs)
        if args.scale > 1:
            scaled_wall, scaled_load = _median(scaled_runs)
            slopes = sorted((b[0] - a[0]) / (n * args.scale - n) for a, b in zip(fast_runs, scaled_runs, strict=True))

        a, f = gradebook_scores(course_dir, assignment), gradebook_scores(fast_dir, assignment)
        same = a.keys() == f.keys() and all(
            a[s].keys() == f[s].keys() and all(abs((a[s][c] or 0) - (f[s][c] or 0)) < 1e-6 for c in a[s]) for s in a)

        what = f"whole courses ({len(chapters)} notebooks each)" if chapter == "all" else chapter
        print(f"nbgrader autograde vs torchdrill fast path: {n} submissions of {what}, "
              f"{os.cpu_count()} cores, fast path jobs={args.jobs or os.cpu_count()}, "
              f"median of {args.fast_runs} fast path runs")
        print(f"{'':40} {'wall/sub':>9} {'total wall':>11}   load avg (start → end)")
        rows = [("nbgrader autograde (kernel)", n, auto_wall, auto_load),
                ("torchdrill grade --nbgrader", n, fast_wall, fast_load)]
        if args.scale > 1:
            rows.append((f"torchdrill grade --nbgrader, x{args.scale}", n * args.scale, scaled_wall, scaled_load))
        for name, count, wall, load in rows:
            print(f"{name:40} {wall / count:8.2f}s {wall:10.1f}s   {load[0]:.1f} → {load[1]:.1f}")
        print(f"speed-up (wall per submission, start-up included): {auto_wall / fast_wall:.1f}x")
        if args.scale > 1:
            slope = statistics.median(slopes)
            print(f"fast path, one more submission (median slope {n} → {n * args.scale} of {len(slopes)} pairs: "
                  f"{', '.join(f'{x:.2f}' for x in slopes)} s): {slope:.2f}s; "
                  f"nbgrader per submission ÷ that: {auto_wall / n / slope:.0f}x")
        print(f"same scores in both gradebooks: {'yes' if same else 'NO'}")
        for s in sorted(a):
            print(f"  {s:16} autograde {sum(v or 0 for v in a[s].values()):g}   fast path "
                  f"{sum(v or 0 for v in f.get(s, {}).values()):g}")
        if args.keep:
            print(f"course folders kept in {base}")
        return 0 if same else 1
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
