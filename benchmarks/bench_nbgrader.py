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

Usage:  .venv/bin/python benchmarks/bench_nbgrader.py [--students N] [--chapter ex05_no_grad] [--jobs N]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
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


def _timed(fn):
    load0, t0 = os.getloadavg()[0], time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0, (load0, os.getloadavg()[0])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=6)
    ap.add_argument("--chapter", default="ex05_no_grad", choices=sorted(VARIANTS))
    ap.add_argument("--jobs", type=int, default=None, help="fast path workers (default: all cores)")
    ap.add_argument("--keep", action="store_true", help="keep the course folders (their path is printed)")
    args = ap.parse_args()
    chapter, n = args.chapter, args.students

    base = Path(tempfile.mkdtemp(prefix="bench-nbgrader-"))
    course_dir, fast_dir = base / "course", base / "fast"
    try:
        r = torchdrill("nbgrader", str(course_dir), "--only", chapter)
        assert r.returncode == 0, r.stderr
        r = nbgrader(course_dir, "generate_assignment", chapter, "--force")
        assert r.returncode == 0, r.stdout + r.stderr
        released = json.loads((course_dir / "release" / chapter / f"{chapter}.ipynb").read_text(encoding="utf-8"))
        solution = functions_of((ROOT / "solutions" / f"{chapter}.py").read_text(encoding="utf-8"))
        for i in range(n):
            kind = KINDS[i % len(KINDS)]
            answers = {} if kind == "untouched" else {**solution, **VARIANTS[chapter].get(kind, {})}
            submit(course_dir, f"s{i:02d}_{kind}", chapter, fill(released, answers))
        shutil.copytree(course_dir, fast_dir)

        auto, auto_wall, auto_load = _timed(lambda: nbgrader(course_dir, "autograde", chapter, "--force"))
        assert auto.returncode == 0, auto.stdout[-2000:] + auto.stderr[-2000:]
        jobs = ["--jobs", str(args.jobs)] if args.jobs else []
        fast, fast_wall, fast_load = _timed(lambda: torchdrill(
            "grade", "--nbgrader", str(fast_dir), chapter, "--restart", "--no-progress", *jobs))
        assert fast.returncode == 0, fast.stdout + fast.stderr

        a, f = gradebook_scores(course_dir, chapter), gradebook_scores(fast_dir, chapter)
        same = a.keys() == f.keys() and all(
            a[s].keys() == f[s].keys() and all(abs((a[s][c] or 0) - (f[s][c] or 0)) < 1e-6 for c in a[s]) for s in a)

        print(f"nbgrader autograde vs torchdrill fast path: {n} submissions of {chapter}, "
              f"{os.cpu_count()} cores, fast path jobs={args.jobs or os.cpu_count()}")
        print(f"{'':34} {'wall/sub':>9} {'total wall':>11}   load avg (start → end)")
        for name, wall, load in (("nbgrader autograde (kernel)", auto_wall, auto_load),
                                 ("torchdrill grade --nbgrader", fast_wall, fast_load)):
            print(f"{name:34} {wall / n:8.2f}s {wall:10.1f}s   {load[0]:.1f} → {load[1]:.1f}")
        print(f"speed-up (wall per submission): {auto_wall / fast_wall:.1f}x")
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
