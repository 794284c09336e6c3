"""The graders graded: every right variant earns full marks, every wrong one loses its own stub's
points and no other stub's, and its feedback says what was expected and what came back, with no
grader source and no solution text in it.  All variants are graded in one batch through the CLI.
"""
from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest

from corpus_support import grader_lines, solution_lines, splice, variants

pytestmark = pytest.mark.slow

VARIANTS = variants()


@pytest.fixture(scope="module")
def graded(root, tmp_path_factory):
    base = tmp_path_factory.mktemp("corpus")
    subs = []
    for v in VARIANTS:
        d = base / "subs" / v.name
        d.mkdir(parents=True)
        solution = (root / "solutions" / f"{v.chapter}.py").read_text(encoding="utf-8")
        (d / f"{v.chapter}.py").write_text(splice(solution, v.path.read_text(encoding="utf-8"), v.stub))
        subs.append(str(d))
    out = base / "out"
    proc = subprocess.run([sys.executable, "-m", "torchdrill", "grade", *subs, "--out", str(out), "--lang", "en",
                           "--no-progress"], cwd=root, capture_output=True, text=True, timeout=3000)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {v.name: json.loads((out / f"{v.name}.json").read_text()) for v in VARIANTS}


def test_corpus_size_is_reported_and_sufficient(capsys):
    counts = Counter((v.chapter, v.stub, v.kind) for v in VARIANTS)
    stubs = sorted({(v.chapter, v.stub) for v in VARIANTS})
    with capsys.disabled():
        print(f"\ncorpus: {len(VARIANTS)} variants over {len(stubs)} stubs")
        for ch, stub in stubs:
            print(f"  {ch}.{stub}: {counts[(ch, stub, 'right')]} right, {counts[(ch, stub, 'wrong')]} wrong")
    assert len(stubs) >= 20
    for ch, stub in stubs:
        assert counts[(ch, stub, "wrong")] >= 1, f"{ch}.{stub} has no wrong variant"


def _by_stub(result: dict, chapter: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for t in result["tests"]:
        qual = t["name"].split(":", 1)[0]
        ch, _, stub = qual.partition(".")
        if ch == chapter:
            out.setdefault(stub, []).append(t)
    return out


@pytest.mark.parametrize("v", [v for v in VARIANTS if v.kind == "right"], ids=lambda v: v.name)
def test_right_variant_gets_full_marks(v, graded):
    stubs = _by_stub(graded[v.name], v.chapter)
    lost = {s: [t["name"] + " → " + t["output"][:300] for t in ts if t["score"] < t["max_score"]]
            for s, ts in stubs.items()}
    lost = {s: m for s, m in lost.items() if m}
    assert not lost, f"{v.description}: a right answer lost points: {lost}"


@pytest.mark.parametrize("v", [v for v in VARIANTS if v.kind == "wrong"], ids=lambda v: v.name)
def test_wrong_variant_loses_only_its_own_points(v, graded, root):
    stubs = _by_stub(graded[v.name], v.chapter)
    own = stubs[v.stub]
    assert sum(t["score"] for t in own) < sum(t["max_score"] for t in own), \
        f"{v.description}: this wrong answer got full marks for {v.stub}"
    others = {s: [t["name"] for t in ts if t["score"] < t["max_score"]] for s, ts in stubs.items() if s != v.stub}
    assert not {s: n for s, n in others.items() if n}, f"{v.description}: other stubs lost points: {others}"
    failed = [t for t in own if t["status"] == "failed"]
    teaching = [t for t in failed if "expected" in t["output"] and "got" in t["output"]]
    crashed = [t for t in failed if "your code crashed" in t["output"] or "time limit" in t["output"]]
    assert teaching or crashed, f"{v.description}: no failed check says what was expected and what came back"
    solution = (root / "solutions" / f"{v.chapter}.py").read_text(encoding="utf-8")
    grader = (root / "graders" / f"test_{v.chapter}.py").read_text(encoding="utf-8")
    own = {line.strip() for line in v.path.read_text(encoding="utf-8").splitlines()}
    secret = (solution_lines(solution) | grader_lines(grader)) - own   # a crash may quote the student's own line
    for t in graded[v.name]["tests"]:
        for line in secret:
            assert line not in t["output"], f"{t['name']} leaks {line!r}"
        assert "graders/" not in t["output"] and "solutions/" not in t["output"]
