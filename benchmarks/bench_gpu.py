"""Grading on a GPU: what a CUDA context costs a sandboxed child, and a submission on cuda vs cpu.

On a machine with CUDA it prints:
  * the cost of a CUDA context in a sandboxed child: the first call that touches the GPU in a
    new child, next to the same call in a child that already has one;
  * the per-submission cost of grading ``solutions/`` on ``cuda`` and on ``cpu`` (one warm session
    each, the median of ``--runs`` submissions after a first one), and how many sandboxed children
    (so at most how many CUDA contexts) each submission used;
  * ``grade solutions --device cuda`` (must be full marks) and ``grade exercises --device cuda``
    (must be 0) through the CLI.
Without CUDA it says so and exits 0.

Usage:  .venv/bin/python benchmarks/bench_gpu.py [--runs 3]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "torchdrill"]

TOUCH = "import torch\ndef touch(x):\n    return (torch.ones(4, device='cuda') * x).sum().item()\n"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    import torch

    if not torch.cuda.is_available():
        print("no CUDA device here: nothing to measure (run this on a machine with a GPU)")
        return 0
    from torchdrill.course import load_course
    from torchdrill.grade import new_sandbox
    from torchdrill.session import GradingSession

    course = load_course(ROOT)
    rows = [("GPU", torch.cuda.get_device_name(0))]
    sb = new_sandbox(course, torch.device("cuda"))
    with sb:
        sb.ready()
        d = sb.stage_dir()
        (d / "g.py").write_text(TOUCH)
        (d / "g.py").chmod(0o644)
        firsts, warms = [], []
        for _ in range(args.runs):
            sb.end_session()
            t = time.perf_counter()
            r = sb.call(d / "g.py", "g", "touch", [2.0])
            firsts.append(time.perf_counter() - t)
            assert r.ok, r.error
            t = time.perf_counter()
            sb.call(d / "g.py", "g", "touch", [2.0])
            warms.append(time.perf_counter() - t)
        rows.append(("first GPU call in a new child (CUDA context)", f"{statistics.median(firsts) * 1000:9.1f} ms"))
        rows.append(("the same call, context already there", f"{statistics.median(warms) * 1000:9.1f} ms"))

    for device in ("cuda", "cpu"):
        with GradingSession(course, lang="en", device=device) as session:
            session.grade(ROOT / "solutions")
            times, children, scores = [], [], []
            for i in range(args.runs):
                before = session.sandbox.children_started
                t = time.perf_counter()
                r = session.grade(ROOT / "solutions", name=f"s{i}")
                times.append(time.perf_counter() - t)
                children.append(session.sandbox.children_started - before)
                scores.append(r.score)
            rows.append((f"one full-course submission on {device}", f"{statistics.median(times):9.2f} s   "
                         f"(scores {scores}, sandboxed children per submission {max(children)})"))

    with tempfile.TemporaryDirectory() as tmp:
        for what in ("solutions", "exercises"):
            out = Path(tmp) / f"{what}.json"
            t = time.perf_counter()
            subprocess.run([*CLI, "grade", str(ROOT / what), "--json", str(out), "--device", "cuda"], cwd=ROOT,
                           check=True, stdout=subprocess.DEVNULL)
            data = json.loads(out.read_text())
            total = sum(x["max_score"] for x in data["tests"])
            rows.append((f"grade {what} --device cuda (CLI)", f"{data['score']:g}/{total:g} in "
                         f"{time.perf_counter() - t:.1f} s"))
    width = max(len(r[0]) for r in rows)
    print(f"torch {torch.__version__}, CUDA {torch.version.cuda}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
