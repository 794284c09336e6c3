"""How much grading costs, next to what it has to cost anyway (``import torch``).

Prints, for this machine, in one run (medians of several where it says so):
  * ``import torch`` in a fresh interpreter: the floor for any torch grader that starts Python;
  * a sandbox's start, a call served by a warm child, a new child (fork + confine + first call),
    and a 100-epoch training loop as one call next to the same loop in-process;
  * one submission through the CLI end to end (``grade solutions --json``);
  * the marginal cost of one full-course submission in a batch: the slope between a batch of
    ``--small`` and one of ``--large`` copies of the solutions (``grade --out``, ``--jobs``
    workers), so start-up is excluded, the median of ``--batch-runs`` such pairs, and that slope
    divided by ``import torch``;
  * a student's ``torchdrill check ex07_optimization`` in a released bundle, minus ``import torch``.

Usage:  .venv/bin/python benchmarks/bench_grading.py [--runs N] [--small 4] [--large 20] [--jobs N]
"""
from __future__ import annotations

import argparse
import os
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
    return (f"{statistics.median(samples) * k:9.2f} {unit}   "
            f"(min {min(samples) * k:.2f}, max {max(samples) * k:.2f}, n={len(samples)})")


def run(cmd: list[str], **kw) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=kw.pop("cwd", ROOT), **kw)
    return time.perf_counter() - t


def batch_seconds(tmp: Path, n: int, jobs: list[str]) -> float:
    """One batch of ``n`` fresh copies of the solutions into a fresh output folder (nothing to resume)."""
    run_dir = Path(tempfile.mkdtemp(prefix=f"b{n}-", dir=tmp))
    subs = []
    for i in range(n):
        dest = run_dir / "subs" / f"student{i:03d}"
        shutil.copytree(ROOT / "solutions", dest)
        subs.append(str(dest))
    return run([*CLI, "grade", *subs, "--out", str(run_dir / "out"), "--no-progress", *jobs])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--small", type=int, default=4)
    ap.add_argument("--large", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--batch-runs", type=int, default=3, help="pairs of batches; the slope is their median")
    args = ap.parse_args()

    rows = []
    imports = timed(lambda: run([sys.executable, "-c", "import torch"]), args.runs)
    import_torch = statistics.median(imports)
    rows.append(("import torch (fresh interpreter)", fmt(imports, "s")))

    import torch

    from torchdrill.sandbox import Sandbox

    with Sandbox() as sb:
        t = time.perf_counter()
        sb.ready()
        rows.append(("sandbox start (zygote import + warm-up)", f"{time.perf_counter() - t:9.2f} s"))
        d = sb.stage_dir()
        for name in ("m.py", "n.py"):
            (d / name).write_text(LOOP)
            (d / name).chmod(0o644)
        x, y = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 4.0, 6.0])
        sb.call(d / "m.py", "m", "noop", [x])
        rows.append(("one call, warm child (no-op)", fmt(timed(lambda: sb.call(d / "m.py", "m", "noop", [x]), 200))))

        def fresh():
            sb.end_session()
            sb.call(d / "n.py", "n", "noop", [x])
        rows.append(("a new child: fork + confine + first call", fmt(timed(fresh, 20))))
        sb.call(d / "m.py", "m", "noop", [x])
        rows.append(("one call, 100-epoch GD loop", fmt(timed(lambda: sb.call(d / "m.py", "m", "loop", [x, y]), 30))))
    ns: dict = {}
    exec(LOOP, ns)
    rows.append(("the same GD loop, in-process", fmt(timed(lambda: ns["loop"](x, y), 30))))

    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        rows.append(("grade one submission, CLI end to end", fmt(timed(lambda: run(
            [*CLI, "grade", str(ROOT / "solutions"), "--json", str(tmp / "r.json")]), args.runs), "s")))
        # Pairs of batches, small then large, back to back: on a shared machine one pair's slope
        # moves by a third from run to run, so the figure is the median of --batch-runs pairs.
        smalls, larges, slopes = [], [], []
        for _ in range(args.batch_runs):
            smalls.append(batch_seconds(tmp, args.small, jobs))
            larges.append(batch_seconds(tmp, args.large, jobs))
            slopes.append((larges[-1] - smalls[-1]) / (args.large - args.small))
            imports.append(run([sys.executable, "-c", "import torch"]))   # the same load as the pair
        slope = statistics.median(slopes)
        import_torch = statistics.median(imports)
        rows[0] = ("import torch (fresh interpreter)", fmt(imports, "s"))
        rows.append((f"batch of {args.small} full-course submissions", fmt(smalls, "s")))
        rows.append((f"batch of {args.large} full-course submissions", fmt(larges, "s")))
        rows.append(("marginal cost of one submission (slope)", fmt(slopes, "s")))
        rows.append(("   … ÷ import torch", f"{slope / import_torch:9.3f}"))
        rows.append(("   … 1,000 submissions at that rate", f"{slope * 1000 / 60:9.1f} min"))
        bundle = tmp / "bundle"
        run([*CLI, "release", str(bundle)])
        checks = timed(lambda: _check(bundle), args.runs)
        rows.append(("check ex07_optimization in a released bundle", fmt(checks, "s")))
        rows.append(("   … minus import torch", f"{statistics.median(checks) - import_torch:9.2f} s"))

    width = max(len(r[0]) for r in rows)
    load = os.getloadavg()
    print(f"torch {torch.__version__}, python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


def _check(bundle: Path) -> None:
    """``torchdrill check`` exits 1 when a check fails (the bundle's stubs are untouched): not an error here."""
    subprocess.run([*CLI, "check", "ex07_optimization"], cwd=bundle, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
