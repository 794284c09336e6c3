"""Grading a whole class on one machine: throughput, and memory that stays flat as N grows.

Makes ``--submissions N`` realistic submissions with ``scripts/make_class.py`` (right answers,
the course's plausible mistakes, unfinished chapters, a few that hit the limits), grades them in
one batch (``torchdrill grade … --out``), and while it runs samples the resident memory (RSS) of
the whole process tree every half second (psutil).  Prints wall time, submissions per minute, and
the tree's RSS when 10 %, 50 % and 100 % of the submissions were done (read from the run state as
it grows), with the peak.

Usage:  .venv/bin/python benchmarks/bench_scale.py --submissions 200 [--jobs N]
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def done_count(state: Path) -> int:
    try:
        with sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=1) as db:
            return int(db.execute("SELECT COUNT(*) FROM submissions WHERE status = 'done'").fetchone()[0])
    except sqlite3.Error:
        return 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--submissions", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subprocess.run([sys.executable, str(ROOT / "scripts" / "make_class.py"), str(tmp / "class"),
                        "--students", str(args.submissions), "--seed", str(args.seed)],
                       check=True, stdout=subprocess.DEVNULL)
        subs = sorted(str(p) for p in (tmp / "class").iterdir())
        n = len(subs)                    # make_class adds four students who hit the limits
        out = tmp / "out"
        cmd = [sys.executable, "-m", "torchdrill", "grade", *subs, "--out", str(out), "--no-progress",
               "--lang", "en", *(["--jobs", str(args.jobs)] if args.jobs else [])]
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ps = psutil.Process(proc.pid)
        marks = {max(1, round(n * f)): f for f in (0.1, 0.5, 1.0)}
        seen: dict[float, tuple[int, int]] = {}
        peak = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            state = out / ".torchdrill-state.sqlite"
            while not stop.is_set():
                rss = tree_rss(ps)
                peak = max(peak, rss)
                done = done_count(state)
                for count, frac in marks.items():
                    if done >= count and frac not in seen:
                        seen[frac] = (done, rss)
                stop.wait(0.5)

        t = threading.Thread(target=sample, daemon=True)
        t.start()
        rc = proc.wait()
        stop.set()
        t.join()
        wall = time.perf_counter() - started
        load = os.getloadavg()
        print(f"{n} submissions, {os.cpu_count()} cores, jobs={args.jobs or os.cpu_count()}, exit status {rc}, "
              f"load average {load[0]:.1f}")
        print(f"wall time                 {wall:9.1f} s")
        print(f"submissions per minute    {n / wall * 60:9.1f}")
        print(f"1,000 at that rate        {1000 / n * wall / 60:9.1f} min")
        for frac in (0.1, 0.5, 1.0):
            done, rss = seen.get(frac, (0, 0))
            print(f"RSS of the process tree at {int(frac * 100):3d} % ({done:>5} done)  {rss / 2**20:9.0f} MiB")
        print(f"peak RSS of the process tree            {peak / 2**20:9.0f} MiB")


if __name__ == "__main__":
    main()
