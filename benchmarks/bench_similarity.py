#!/usr/bin/env python3
"""What `torchdrill similarity` costs for a class of N students (default 1,000).

Makes a class with ``scripts/make_class.py`` (N generated students, every chapter file the
reference module plus their own versions, and the four special students).  Generated students
only pick from a small pool of answers, so nothing they write is rare; to give the ranking real
work, half of their chapter files also get a helper of four statements drawn from a pool of 80
(so a pair of adjacent statements is shared by a few students, as real idioms are), and 1% of
the students hand in a copy of another's folder.  It then screens the class in this process,
writes the page and the JSON, and prints the time of each stage, the peak memory, the sizes and
where the copies ranked.  Nothing is graded and torch is never imported.

    .venv/bin/python benchmarks/bench_similarity.py [--students 1000] [--keep DIR]
"""
from __future__ import annotations

import argparse
import importlib.util
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


OPERATORS = ["+", "-", "*", "/", "//", "%", "**", "&", "|", "^", "<<", ">>", "==", "!=", "<", ">"]
FORMS = ["x = x {op} 1", "y = [x {op} i for i in range(3)]", "if x {op} 2:\n        x = 0",
         "print(x {op} 3)", "assert (x {op} 1) is not None"]
STATEMENTS = [form.format(op=op) for form in FORMS for op in OPERATORS]    # 80, distinct once normalised


def add_variety(folder: Path, rng: random.Random) -> None:
    for path in sorted(folder.glob("ex*.py")):
        if rng.random() < 0.5:
            body = "\n    ".join(rng.sample(STATEMENTS, 4))
            with path.open("a", encoding="utf-8") as f:
                f.write(f"\n\ndef my_helper(x):\n    {body}\n    return x\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", type=Path, default=None, help="make the class (and the outputs) here, and keep them")
    args = ap.parse_args()

    from torchdrill.course import load_course
    from torchdrill.similarity import expand, screen, write_html, write_json

    spec = importlib.util.spec_from_file_location("make_class", ROOT / "scripts" / "make_class.py")
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)

    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or Path(tmp)
        t0 = time.perf_counter()
        made = make.make_class(where / "class", args.students, args.seed)
        rng = random.Random(args.seed)
        students = [p for p in made if not p.name.startswith("zz_")]
        for folder in students:
            add_variety(folder, rng)
        copies = set()
        for _ in range(max(1, len(students) // 100)):
            source, copier = rng.sample(students, 2)
            shutil.rmtree(copier)
            shutil.copytree(source, copier)
            copies.add(frozenset({source.name, copier.name}))
        t_make = time.perf_counter() - t0
        size = sum(f.stat().st_size for f in (where / "class").rglob("*") if f.is_file())

        course = load_course(ROOT)
        t0, c0 = time.perf_counter(), time.process_time()
        result = screen(expand([where / "class"], course), course)
        t_screen, c_screen = time.perf_counter() - t0, time.process_time() - c0
        t0 = time.perf_counter()
        write_html(result, where / "similarity.html")
        write_json(result, where / "similarity.json")
        t_write = time.perf_counter() - t0
        page = (where / "similarity.html").stat().st_size
        data = (where / "similarity.json").stat().st_size

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = len(result.names)
    print(f"class: {len(made)} submissions ({size / 1e6:.1f} MB of code, made in {t_make:.1f} s)")
    print(f"pieces of students' own code read: {result.pieces_read}")
    print(f"pairs: {result.scores.pairs_total} compared, {len(result.scores)} share some rarely-shared code, "
          f"{result.flagged} at or above the threshold {result.threshold:.1f} (max holders {result.scores.cap})")
    for stage, (wall, cpu) in result.seconds.items():
        print(f"  {stage:<12} {cpu:7.2f} s CPU, {wall:7.2f} s wall")
    print(f"screen total   {t_screen:7.2f} s wall, {c_screen:.2f} s CPU "
          f"({1000 * c_screen / n:.1f} ms CPU per submission)")
    print(f"page + json    {t_write:7.2f} s  (page {page / 1e3:.0f} kB, json {data / 1e3:.0f} kB)")
    print(f"peak memory    {peak:7.0f} MiB (whole process)")
    names = result.names
    pairs = zip(result.scores.a, result.scores.b, strict=True)
    rank_of = {frozenset({names[a], names[b]}): k + 1 for k, (a, b) in enumerate(pairs)}
    ranks = sorted(rank_of.get(pair, 0) for pair in copies)      # 0: the two share nothing rare
    print(f"copied folders: {len(copies)}, ranked {ranks} (flagged: "
          f"{sum(1 for p in result.pairs if p.flagged and frozenset({p.a, p.b}) in copies)}); "
          f"other pairs flagged: {sum(1 for p in result.pairs if p.flagged and frozenset({p.a, p.b}) not in copies)}")


if __name__ == "__main__":
    main()
