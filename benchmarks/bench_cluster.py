"""The cluster path: what it adds per submission, and what the orchestration costs at scale.

Two modes:

``grade`` (default)
    Makes ``--submissions N`` submissions with ``scripts/make_class.py`` and grades them twice,
    through the CLI: a local batch (``-j 2``) and ``--cluster local:2`` (a LocalCluster of two
    worker processes).  Prints both wall times and the cluster's overhead per submission.  Both
    start cold (workers import torch and warm their sandboxes), as a user's run does.

``noop``
    Benchmark only, never the product's path: ``--submissions N`` (default 100,000) tiny files go
    through the client (bundles, keys, the window of tasks), the run state (one commit per
    result, DIR/<name>.json) and the progress display (one line per result, to /dev/null), while
    the workers answer each task with an empty result instead of grading.  A real `dask scheduler`
    and two `dask worker` processes run apart, so the measured process is the client alone:
    prints the time per 1,000 submissions and the client's RSS as it goes, and its peak.

Usage:  .venv/bin/python benchmarks/bench_cluster.py [grade|noop] [--submissions N] [--only CH] [--jobs N]
"""
from __future__ import annotations

import argparse
import itertools
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
DASK = str(Path(sys.executable).parent / "dask")


def grade_mode(n: int, only: str) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        tmp = Path(tmp)
        subprocess.run([sys.executable, str(ROOT / "scripts" / "make_class.py"), str(tmp / "class"),
                        "--students", str(max(1, n - 4))], check=True, capture_output=True)
        subs = sorted(str(p) for p in (tmp / "class").iterdir())
        base = [sys.executable, "-m", "torchdrill", "grade", *subs, "--only", only, "--lang", "en",
                "--device", "cpu", "--no-progress"]
        times = {}
        for label, extra in (("local batch -j 2", ["-j", "2"]), ("--cluster local:2", ["--cluster", "local:2"])):
            t0 = time.monotonic()
            r = subprocess.run([*base, "--out", str(tmp / label.replace(" ", "_")), *extra], cwd=ROOT,
                               capture_output=True, text=True)
            times[label] = time.monotonic() - t0
            print(f"{label:>20}: {times[label]:7.1f} s for {len(subs)} submissions "
                  f"({len(subs) / times[label] * 60:.0f}/min), exit {r.returncode}")
            if r.returncode not in (0, 6):
                print(r.stderr[-2000:])
        extra_s = times["--cluster local:2"] - times["local batch -j 2"]
        print(f"cluster overhead: {extra_s:+.1f} s in all, {extra_s / len(subs) * 1000:+.0f} ms per submission "
              f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def noop_mode(n: int, jobs: int) -> None:
    from torchdrill.cluster import client as cluster_client
    from torchdrill.cluster.progress import ClusterReporter
    from torchdrill.course import load_course

    me = psutil.Process()
    marks: list[tuple[int, float, int]] = []
    started = [0.0]
    real_finished = ClusterReporter.finished

    def finished(self, name, result, error):          # instrumentation: a mark every 1,000
        real_finished(self, name, result, error)
        if self.done % 1000 == 0:
            marks.append((self.done, time.monotonic(), me.memory_info().rss))
            if self.done % 10_000 == 0:
                t = marks[-1][1] - (marks[-11][1] if len(marks) > 10 else started[0])
                print(f"  {self.done:>7}: {t / 10:.2f} s per 1,000, client RSS {marks[-1][2] / 2**20:.0f} MiB",
                      file=sys.__stdout__, flush=True)

    ClusterReporter.finished = finished
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = []
    with tempfile.TemporaryDirectory(prefix="bench-cluster-noop-") as tmp:
        tmp = Path(tmp)
        subs = tmp / "subs"
        subs.mkdir()
        t0 = time.monotonic()
        paths = []
        for i in range(n):
            p = subs / f"s{i:06d}.py"
            p.write_bytes(b"def f():\n    return %d\n" % i)
            paths.append(p)
        print(f"made {n} submission files in {time.monotonic() - t0:.1f} s")
        procs.append(subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                       "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(3)
        for _ in range(2):
            procs.append(subprocess.Popen([DASK, "worker", address, "--nthreads", "1", "--no-dashboard"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp))
        time.sleep(5)
        course = load_course(ROOT)
        rss0 = me.memory_info().rss
        devnull = open(os.devnull, "w")  # noqa: SIM115  # closed with the run, below
        real_stderr, sys.stderr = sys.stderr, devnull
        try:
            started[0] = time.monotonic()
            code = cluster_client.grade_on_cluster(paths, tmp / "out", course, address=address, lang="en",
                                                   device="cpu", jobs=jobs, only="ex05_no_grad",
                                                   progress=False, _noop=True)
            total = time.monotonic() - started[0]
        finally:
            sys.stderr = real_stderr
            devnull.close()
            for p in reversed(procs):
                p.terminate()
            for p in procs:
                p.wait(timeout=30)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        per = [(b[1] - a[1]) for a, b in itertools.pairwise(marks)]
        print(f"noop: {n} submissions in {total:.1f} s (exit {code}), {total / n * 1000:.2f} s per 1,000 overall "
              f"(registering, fingerprinting and the final gradebook included); between marks: median "
              f"{sorted(per)[len(per) // 2]:.2f} s per 1,000, slowest {max(per):.2f} s" if per else "")
        rss = [m[2] for m in marks]
        if rss:
            print(f"client RSS: {rss0 / 2**20:.0f} MiB before the run, {rss[0] / 2**20:.0f} MiB at 1,000, "
                  f"{rss[len(rss) // 2] / 2**20:.0f} MiB at {marks[len(rss) // 2][0]:,}, {rss[-1] / 2**20:.0f} MiB "
                  f"at {marks[-1][0]:,}; peak {peak / 2**20:.0f} MiB (jobs {jobs}, load average "
                  f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", nargs="?", choices=["grade", "noop"], default="grade")
    ap.add_argument("--submissions", type=int, default=None)
    ap.add_argument("--only", default="ex05_no_grad")
    ap.add_argument("--jobs", type=int, default=256, help="noop: tasks in flight")
    args = ap.parse_args()
    if args.mode == "grade":
        grade_mode(args.submissions or 200, args.only)
    else:
        noop_mode(args.submissions or 100_000, args.jobs)


if __name__ == "__main__":
    main()
