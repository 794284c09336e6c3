"""How much grading costs, next to what it has to cost anyway (``import torch``).

Prints medians of several runs on this machine:
  * ``import torch`` in a fresh interpreter (the floor for any torch grader that starts Python);
  * one sandboxed call from a warm sandbox (fork + confine + exec the student's file + save + load);
  * a 100-epoch training loop as one sandboxed call, and the same loop run in-process;
  * grading one submission through the CLI (``torchdrill grade solutions --json``);
  * grading a batch of submissions (``--out``), per submission.

Usage:  .venv/bin/python benchmarks/bench_grading.py [--runs N] [--batch N] [--jobs N]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "torchdrill"]

LOOP = textwrap.dedent('''
    import torch
    def loop(x, y):
        w = torch.tensor(1.0, requires_grad=True)
        for _ in range(100):
            loss = ((w * x - y) ** 2).mean()
            loss.backward()
            with torch.no_grad():
                w -= 0.01 * w.grad
            w.grad.zero_()
        return w
    def noop(x):
        return x
''')


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def fmt(samples: list[float], unit: str = "ms") -> str:
    k = 1000 if unit == "ms" else 1
    return f"{statistics.median(samples) * k:9.1f} {unit}   (min {min(samples) * k:.1f}, max {max(samples) * k:.1f}, n={len(samples)})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--jobs", type=int, default=None)
    args = ap.parse_args()

    rows = []
    rows.append(("import torch (fresh interpreter)", fmt(timed(
        lambda: subprocess.run([sys.executable, "-c", "import torch"], check=True), args.runs), "s")))

    import torch

    from torchdrill.sandbox import Sandbox

    with Sandbox() as sb:
        t = time.perf_counter()
        sb.ready()
        rows.append(("sandbox start (zygote import + warm-up)", f"{time.perf_counter() - t:9.1f} s"))
        d = sb.stage_dir()
        (d / "m.py").write_text(LOOP)
        (d / "m.py").chmod(0o644)
        x, y = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 4.0, 6.0])
        sb.call(d / "m.py", "m", "noop", [x])
        rows.append(("one sandboxed call (no-op)", fmt(timed(lambda: sb.call(d / "m.py", "m", "noop", [x]), 30))))
        rows.append(("one sandboxed call (100-epoch GD loop)", fmt(timed(
            lambda: sb.call(d / "m.py", "m", "loop", [x, y]), 30))))
    ns: dict = {}
    exec(LOOP, ns)
    rows.append(("the same GD loop, in-process", fmt(timed(lambda: ns["loop"](x, y), 30))))

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        rows.append(("grade one submission, CLI end to end", fmt(timed(lambda: subprocess.run(
            [*CLI, "grade", str(ROOT / "solutions"), "--json", str(tmp / "r.json")], check=True,
            stdout=subprocess.DEVNULL, cwd=ROOT), args.runs), "s")))
        subs = []
        for i in range(args.batch):
            dest = tmp / f"student{i:03d}"
            shutil.copytree(ROOT / "solutions", dest)
            subs.append(str(dest))
        jobs = ["--jobs", str(args.jobs)] if args.jobs else []
        t = time.perf_counter()
        subprocess.run([*CLI, "grade", *subs, "--out", str(tmp / "out"), "--no-progress", *jobs], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        total = time.perf_counter() - t
        rows.append((f"grade a batch of {args.batch} (--out), total", f"{total:9.1f} s"))
        rows.append(("   … per submission", f"{total / args.batch:9.2f} s"))

    width = max(len(r[0]) for r in rows)
    print(f"torch {torch.__version__}, python {sys.version.split()[0]}, "
          f"{__import__('os').cpu_count()} cores")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
