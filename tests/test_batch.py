"""Batch grading: `torchdrill grade SUB… --out DIR` (parallel workers, gradebook, resumable state).

The end-to-end tests grade through the CLI with ``--only ex05_no_grad`` (a fast chapter) and
share one uninterrupted baseline run of eight submissions.  The unit tests at the top need no
sandbox and no torch.
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from torchdrill.course import load_course
from torchdrill.errors import UsageError
from torchdrill.render.gradebook import gradebook_csv
from torchdrill.render.gradescope import without_measurements
from torchdrill.results import CheckResult, Outcome, SubmissionResult
from torchdrill.state import STATE_FILE, RunState, assign_names, fingerprint, run_options

ROOT = Path(__file__).resolve().parents[1]
ONLY = "ex05_no_grad"
STUBS = ["ex05_no_grad.eval_no_grad", "ex05_no_grad.detach"]
GS_TEST_FIELDS = {"name", "score", "max_score", "status", "output", "visibility"}


# =========================================================================== helpers

def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("_TORCHDRILL_TEST")}
    env.update(extra)
    return env


def cli(*args, env=None, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "torchdrill", "grade", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, env=env or _env())


def cli_popen(*args, env=None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "torchdrill", "grade", *map(str, args)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env or _env())


def batch_args(subs, out, *extra, jobs=2):
    return [*subs, "--out", out, "--only", ONLY, "--lang", "en", "--device", "cpu", "--no-progress",
            "-j", str(jobs), *extra]


def state_rows(out: Path) -> dict[str, dict]:
    if not (out / STATE_FILE).exists():      # read-only: never create the file under a running batch
        raise sqlite3.OperationalError("no state yet")
    db = sqlite3.connect(f"file:{out / STATE_FILE}?mode=ro", uri=True, timeout=30)
    try:
        cur = db.execute("SELECT name, path, status, error, gradings, finished_at FROM submissions")
        return {r[0]: {"path": r[1], "status": r[2], "error": r[3], "gradings": r[4], "finished_at": r[5]} for r in cur}
    finally:
        db.close()


def done_count(out: Path) -> int:
    try:
        return sum(1 for r in state_rows(out).values() if r["status"] == "done")
    except sqlite3.Error:
        return 0


def gradebook(out: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text())))


def result_json(out: Path, name: str, *, timing=True) -> dict:
    d = json.loads((out / f"{name}.json").read_text())
    return d if timing else without_measurements(d)


def descendants(pid: int) -> set[int]:
    """Every live (non-zombie) process below ``pid``."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(entry))
    out, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_until(cond, timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the run ended (exit {proc.returncode}) before {what}: {proc.communicate()[1]}")
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


SOLUTION = (ROOT / "solutions" / "ex05_no_grad.py").read_text()
STUB = (ROOT / "exercises" / "ex05_no_grad.py").read_text()
BUGGY = SOLUTION.replace("return y.detach()", "return y.detach().clone()")   # a copy: no memory sharing


def _notebook(source: str) -> str:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# ex05"), nbformat.v4.new_code_cell(source)]
    return nbformat.writes(nb)


def make_corpus(base: Path) -> list[Path]:
    """Eight submissions, four of them named ex05_no_grad (in different folders, one a notebook)."""
    assert BUGGY != SOLUTION
    files = {
        "alice/ex05_no_grad.py": SOLUTION,
        "bob/ex05_no_grad.py": BUGGY,
        "frank/ex05_no_grad.py": STUB,
        "carol.py": SOLUTION,                       # a lone file not named after the chapter
        "dave/ex05_no_grad.ipynb": _notebook(SOLUTION),
    }
    for rel, text in files.items():
        (base / rel).parent.mkdir(parents=True, exist_ok=True)
        (base / rel).write_text(text)
    (base / "erin").mkdir()                         # an empty submission: scores 0
    return [ROOT / "solutions", ROOT / "exercises", base / "alice" / "ex05_no_grad.py",
            base / "bob" / "ex05_no_grad.py", base / "carol.py", base / "dave" / "ex05_no_grad.ipynb",
            base / "erin", base / "frank" / "ex05_no_grad.py"]


NAMES = ["solutions", "exercises", "alice-ex05_no_grad", "bob-ex05_no_grad", "carol", "dave-ex05_no_grad", "erin",
         "frank-ex05_no_grad"]
FULL = {"solutions", "alice-ex05_no_grad", "carol", "dave-ex05_no_grad"}
ZERO = {"exercises", "erin", "frank-ex05_no_grad"}


# =========================================================================== unit tests (no sandbox)

def test_fingerprint_follows_contents_not_timestamps(tmp_path):
    d = tmp_path / "sub"
    d.mkdir()
    f = d / "ex05_no_grad.py"
    f.write_text("x = 1\n")
    (d / "notes.txt").write_text("ignored")
    first = fingerprint(d)
    os.utime(f, (1, 1))
    (d / "notes.txt").write_text("still ignored: grading reads .py and .ipynb only")
    assert fingerprint(d) == first
    f.write_text("x = 2\n")
    assert fingerprint(d) != first
    assert fingerprint(f) != fingerprint(tmp_path / "missing")
    (d / "deeper").mkdir()
    (d / "deeper" / "ex06_grad_accumulation.py").write_text("y = 1\n")
    assert fingerprint(d) != fingerprint(f)


def test_names_come_from_the_arguments_alone(tmp_path):
    for rel in ("alice/ex07.py", "bob/ex07.py", "x/alice/ex07.py", "solo.py", "Solo/a.py", "c/SOLO.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(rel)
    paths = [tmp_path / "alice" / "ex07.py", tmp_path / "bob" / "ex07.py", tmp_path / "solo.py",
             tmp_path / "x" / "alice" / "ex07.py", tmp_path / "alice" / "ex07.py"]
    named, notes = assign_names(paths)
    assert [n for n, _ in named] == ["alice-ex07", "bob-ex07", "solo", "ex07-2"]
    assert named[0][1] == str(tmp_path / "alice" / "ex07.py")
    assert any("given twice" in n for n in notes)
    assert any("3 submissions are named 'ex07'" in n and "alice-ex07 (" in n for n in notes)
    assert assign_names(paths) == (named, notes)                       # deterministic
    # Names that differ only in case would be one file on macOS or Windows.
    named, _ = assign_names([tmp_path / "solo.py", tmp_path / "c" / "SOLO.py"])
    assert len({n.casefold() for n, _ in named}) == 2


def test_register_marks_new_changed_moved_and_failed(tmp_path):
    a = tmp_path / "dl1" / "alice"
    a.mkdir(parents=True)
    (a / "ex05_no_grad.py").write_text("v1")
    with RunState.open(tmp_path / "out") as st:
        (row,), notes = st.register([a])
        assert (row.name, row.status, row.path) == ("alice", "pending", str(a)) and not notes
        st.finish("alice", row.fingerprint, {"submission": "alice", "checks": []}, error=False)
        (row,), notes = st.register([a])
        assert row.status == "done" and not notes
        # A fresh download elsewhere, same contents: the same submission, not regraded.
        b = tmp_path / "dl2" / "alice"
        shutil.copytree(a, b)
        (row,), notes = st.register([b])
        assert row.status == "done" and row.path == str(b) and any("graded from" in n for n in notes)
        # Changed contents: graded again.
        (b / "ex05_no_grad.py").write_text("v2")
        (row,), notes = st.register([b])
        assert row.status == "pending" and any("1 submission changed" in n for n in notes)
        st.finish("alice", row.fingerprint, {"submission": "alice", "checks": []}, error=True)
        # Grading failed last time: tried again.
        (row,), _ = st.register([b])
        assert row.status == "pending" and row.gradings == 2


def test_state_commits_once_and_refuses_stale_results(tmp_path):
    f = tmp_path / "a.py"
    f.write_text("a")
    with RunState.open(tmp_path / "out") as st:
        (row,), _ = st.register([f])
        assert row.status == "pending"
        assert st.finish(row.name, row.fingerprint, {"submission": "a", "checks": []}, error=False)
        assert not st.finish(row.name, row.fingerprint, {"submission": "a", "checks": []}, error=False)
        assert st.row(row.name).gradings == 1
        assert not st.finish(row.name, "another fingerprint", {"submission": "a", "checks": []}, error=False)
        f.write_text("changed")
        (row2,), notes = st.register([f])
        assert row2.status == "pending" and any("changed" in n for n in notes)


def test_state_lock_and_options(tmp_path):
    course = load_course(ROOT)
    out = tmp_path / "out"
    with RunState.open(out) as st:
        with pytest.raises(UsageError, match="another torchdrill run"):
            RunState.open(out)
        st.check_options(run_options(course, only=ONLY, device="cpu", lang="en"), "OUT")
        # With nothing graded yet, other options simply replace the recorded ones.
        st.check_options(run_options(course, only=None, device="cpu", lang="en"), "OUT")
        f = tmp_path / "a.py"
        f.write_text("a")
        (row,), _ = st.register([f])
        st.finish(row.name, row.fingerprint, {"submission": "a", "checks": []}, error=False)
        st.check_options(run_options(course, only=None, device="cpu", lang="en"), "OUT")
        with pytest.raises(UsageError, match=r"OUT holds results graded with other options \(--lang: en → ko\); "
                                             r"use a new --out folder or --restart"):
            st.check_options(run_options(course, only=None, device="cpu", lang="ko"), "OUT")
    assert RunState.wipe(out) == ["a"]
    assert not (out / STATE_FILE).exists()


def test_gradebook_csv_is_sorted_and_stable():
    def result(name, scores):
        checks = tuple(CheckResult("ex05_no_grad", stub, "t", Outcome.PASSED if s else Outcome.WRONG, s, 2.0, True)
                       for stub, s in scores.items())
        return SubmissionResult(name, checks, seconds=1.23)

    rs = [result("zed", {"eval_no_grad": 2.0, "detach": 0.6667}), result("amy", {"eval_no_grad": 0.0, "detach": 2.0})]
    text = gradebook_csv(rs, STUBS)
    assert text == ("submission,ex05_no_grad.eval_no_grad,ex05_no_grad.detach,total\n"
                    "amy,0,2,2\n"
                    "zed,2,0.6667,2.6667\n")
    assert gradebook_csv(list(reversed(rs)), STUBS) == text


# =========================================================================== end to end

@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[Path]:
    return make_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def baseline(corpus, tmp_path_factory):
    """One uninterrupted run of the whole corpus with two workers."""
    out = tmp_path_factory.mktemp("baseline") / "out"
    started = time.monotonic()
    proc = cli(*batch_args(corpus, out))
    return out, proc, time.monotonic() - started


@pytest.mark.slow
def test_batch_writes_results_and_gradebook(baseline):
    out, proc, _seconds = baseline
    assert proc.returncode == 0, proc.stderr
    assert "4 submissions are named 'ex05_no_grad'" in proc.stderr
    assert "graded 8 of 8 submissions" in proc.stderr
    # --no-progress: one line per finished submission
    assert sum(1 for line in proc.stderr.splitlines() if line.startswith("[") and "/8] " in line) == 8

    assert sorted(p.name for p in out.glob("*.json")) == sorted(f"{n}.json" for n in NAMES)
    for name in NAMES:
        d = result_json(out, name)
        assert d["extra_data"]["submission"] == name and not d["extra_data"]["grading_failed"]
        assert d["tests"], name
        for t in d["tests"]:
            assert GS_TEST_FIELDS <= set(t)
            assert t["status"] in ("passed", "failed")
            assert t["visibility"] in ("visible", "after_published", "hidden")
            assert t["name"].split(":")[0] in STUBS
            assert t["score"] == (t["max_score"] if t["status"] == "passed" else 0)
        assert sum(t["max_score"] for t in d["tests"]) == pytest.approx(4.0)
        assert d["score"] == pytest.approx(sum(t["score"] for t in d["tests"]))
        if name in FULL:
            assert d["score"] == pytest.approx(4.0), name
        if name in ZERO:
            assert d["score"] == 0, name
    bob = result_json(out, "bob-ex05_no_grad")
    assert 0 < bob["score"] < 4
    assert any(t["status"] == "failed" and t["name"].startswith("ex05_no_grad.detach") for t in bob["tests"])

    text = (out / "gradebook.csv").read_text()
    assert text.splitlines()[0] == "submission," + ",".join(STUBS) + ",total"
    rows = gradebook(out)
    assert [r["submission"] for r in rows] == sorted(NAMES)
    for r in rows:
        d = result_json(out, r["submission"])
        assert float(r["total"]) == pytest.approx(d["score"], abs=1e-3)
        assert float(r["total"]) == pytest.approx(sum(float(r[s]) for s in STUBS), abs=1e-3)
        for s in STUBS:
            assert float(r[s]) == pytest.approx(sum(t["score"] for t in d["tests"] if t["name"].startswith(s + ":")),
                                                abs=1e-3)
    assert {r["submission"]: r["ex05_no_grad.eval_no_grad"] for r in rows}["bob-ex05_no_grad"] == "2"

    st = state_rows(out)
    assert set(st) == set(NAMES)
    assert all(r["status"] == "done" and r["gradings"] == 1 and not r["error"] for r in st.values())


@pytest.mark.slow
def test_rerun_resumes_without_regrading(baseline, corpus):
    out, _proc, _ = baseline
    before = state_rows(out)
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}
    book = (out / "gradebook.csv").read_bytes()
    proc = cli(*batch_args(corpus, out))
    assert proc.returncode == 0, proc.stderr
    assert "8 of 8 submissions already graded" in proc.stderr
    assert state_rows(out) == before                 # same gradings counters and finished_at stamps
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")} == mtimes
    assert (out / "gradebook.csv").read_bytes() == book


@pytest.mark.slow
def test_changed_submission_is_regraded_and_other_options_refused(baseline, tmp_path):
    out, _proc, _ = baseline
    sub = tmp_path / "changing" / "ex05_no_grad.py"
    sub.parent.mkdir()
    sub.write_text(SOLUTION)
    work = tmp_path / "out"
    shutil.copytree(out, work)                       # leave the shared baseline as it was
    proc = cli(*batch_args([ROOT / "solutions", sub], work, jobs=1))
    assert proc.returncode == 0, proc.stderr
    assert "1 of 2 submissions already graded" in proc.stderr
    assert state_rows(work)["ex05_no_grad"]["gradings"] == 1
    assert result_json(work, "ex05_no_grad")["score"] == pytest.approx(4)
    solutions_before = state_rows(work)["solutions"]

    sub.write_text(BUGGY)
    proc = cli(*batch_args([ROOT / "solutions", sub], work, jobs=1))
    assert proc.returncode == 0, proc.stderr
    assert "1 submission changed since graded" in proc.stderr
    rows = state_rows(work)
    assert rows["ex05_no_grad"]["gradings"] == 2 and rows["solutions"] == solutions_before
    assert result_json(work, "ex05_no_grad")["score"] < 4
    book = gradebook(work)
    assert [r["submission"] for r in book] == sorted([*NAMES, "ex05_no_grad"])   # earlier results are kept

    # Other options into the same folder: refused, nothing touched; --restart starts over.
    book_bytes = (work / "gradebook.csv").read_bytes()
    proc = cli(*[a if a != ONLY else "ex05_no_grad.detach" for a in batch_args([sub], work, jobs=1)])
    assert proc.returncode == 2
    assert ("holds results graded with other options (--only: ex05_no_grad → ex05_no_grad.detach); "
            "use a new --out folder or --restart") in proc.stderr
    assert (work / "gradebook.csv").read_bytes() == book_bytes
    proc = cli(*[a if a != ONLY else "ex05_no_grad.detach" for a in batch_args([sub], work, "--restart", jobs=1)])
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in work.glob("*.json")) == ["ex05_no_grad.json"]
    assert (work / "gradebook.csv").read_text().splitlines()[0] == "submission,ex05_no_grad.detach,total"
    assert state_rows(work)["ex05_no_grad"]["gradings"] == 1


@pytest.mark.slow
def test_interrupted_and_killed_runs_resume_to_the_same_results(baseline, corpus, tmp_path):
    """Ctrl-C, then SIGKILL of the main process mid-batch, then a final run: every submission is
    graded exactly once and every file equals the uninterrupted run's (timing fields aside)."""
    base_out, base_proc, _ = baseline
    assert base_proc.returncode == 0, base_proc.stderr
    out = tmp_path / "out"
    args = batch_args(corpus, out)

    # 1. Ctrl-C once something is graded: exit 130, the graded results kept, how to resume printed.
    proc = cli_popen(*args)
    try:
        wait_until(lambda: done_count(out) >= 1, 240, "a first result", proc)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Run the same command again" in err
    kept = done_count(out)
    assert 1 <= kept
    assert len(gradebook(out)) == kept               # the gradebook is rebuilt on the way out

    # 2. Resume, then SIGKILL the main process once one more is graded: its workers and
    #    sandboxes must go with it.
    proc = cli_popen(*args)
    try:
        wait_until(lambda: done_count(out) >= min(kept + 1, 7), 240, "another result", proc)
        family = descendants(proc.pid)
        assert family, "the run has worker processes"
        proc.kill()
        proc.wait(timeout=30)
        wait_until(lambda: not any(alive(p) for p in family), 60, "the workers to exit after their parent died")
    finally:
        proc.kill()
        proc.communicate()
    assert done_count(out) >= kept

    # 3. Finish.
    proc = cli(*args)
    assert proc.returncode == 0, proc.stderr
    rows = state_rows(out)
    assert set(rows) == set(NAMES)
    assert all(r["status"] == "done" and r["gradings"] == 1 for r in rows.values()), rows
    for name in NAMES:
        assert result_json(out, name, timing=False) == result_json(base_out, name, timing=False), name
    assert (out / "gradebook.csv").read_bytes() == (base_out / "gradebook.csv").read_bytes()


@pytest.mark.slow
def test_dead_worker_is_retried_then_recorded_as_failed(tmp_path):
    """A worker that dies once: its submission is retried and graded.  One that dies every time:
    a failed result (score 0, says so), exit 6, the others graded.  The main process stays light."""
    subs = []
    for name, text in (("once", SOLUTION), ("always", SOLUTION), ("fine", BUGGY)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "ex05_no_grad.py").write_text(text)
        subs.append(tmp_path / name)
    out = tmp_path / "out"
    marker = tmp_path / "died-once"
    code = ("import sys; from torchdrill.cli import main; rc = main(sys.argv[1:]); "
            "print('torch imported:', 'torch' in sys.modules); sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code, "grade", *map(str, batch_args(subs, out))], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env=_env(_TORCHDRILL_TEST_KILL_WORKER=f"once@{marker},always"))
    assert proc.returncode == 6, proc.stderr
    assert "torch imported: False" in proc.stdout
    assert marker.exists()
    assert "grading failed for 1 submission (always)" in proc.stderr

    once, always, fine = (result_json(out, n) for n in ("once", "always", "fine"))
    assert once["score"] == pytest.approx(4) and not once["extra_data"]["grading_failed"]
    assert 0 < fine["score"] < 4
    assert always["score"] == 0 and always["extra_data"]["grading_failed"]
    assert sum(t["max_score"] for t in always["tests"]) == pytest.approx(4)
    assert all(t["status"] == "failed" and "not your fault" in t["output"] for t in always["tests"])
    rows = state_rows(out)
    assert rows["always"]["error"] == 1 and rows["once"]["error"] == 0
    assert [r["submission"] for r in gradebook(out)] == ["always", "fine", "once"]

    # Next run: the failed one is tried again (and now succeeds); the others are not regraded.
    proc = cli(*batch_args(subs, out))
    assert proc.returncode == 0, proc.stderr
    rows = state_rows(out)
    assert rows["always"]["gradings"] == 2 and rows["always"]["error"] == 0
    assert rows["once"]["gradings"] == 1 and rows["fine"]["gradings"] == 1
    assert result_json(out, "always")["score"] == pytest.approx(4)


@pytest.mark.slow
def test_twenty_submissions_survive_random_kills(tmp_path):
    """A batch of 24 submissions killed with SIGKILL at three random moments (seeded, so the test
    is repeatable) and started again each time: in the end every submission is graded exactly once
    and the results equal an uninterrupted run's, apart from timing."""
    import random

    rng = random.Random(20261127)
    variants = [SOLUTION, BUGGY, STUB, SOLUTION.replace("return y.detach()", "return y.data")]
    subs = []
    for i in range(24):
        d = tmp_path / "class" / f"student{i:02d}"
        d.mkdir(parents=True)
        (d / "ex05_no_grad.py").write_text(variants[i % len(variants)])
        subs.append(d)
    names = [d.name for d in subs]

    base_out = tmp_path / "baseline"
    assert cli(*batch_args(subs, base_out), timeout=900).returncode == 0

    out = tmp_path / "out"
    args = batch_args(subs, out)
    kills = 0
    for _ in range(6):
        if kills >= 3 and done_count(out) > 0:
            break
        before = done_count(out)
        if before >= len(subs) - 2:
            break
        proc = cli_popen(*args)
        try:
            # Let it get somewhere (at least one more result), then wait a random extra moment.
            wait_until(lambda before=before: done_count(out) > before, 300, "progress before the kill", proc)
            time.sleep(rng.uniform(0.0, 1.5))
            family = descendants(proc.pid)
            proc.kill()
            proc.wait(timeout=30)
            kills += 1
            wait_until(lambda family=family: not any(alive(p) for p in family), 60,
                       "the workers to exit after the kill")
        finally:
            proc.kill()
            proc.communicate()
    assert kills >= 3

    final = cli(*args, timeout=900)
    assert final.returncode == 0, final.stderr
    rows = state_rows(out)
    assert set(rows) == set(names)
    assert all(r["status"] == "done" and r["gradings"] == 1 for r in rows.values()), rows
    for name in names:
        assert result_json(out, name, timing=False) == result_json(base_out, name, timing=False), name
    assert (out / "gradebook.csv").read_bytes() == (base_out / "gradebook.csv").read_bytes()
