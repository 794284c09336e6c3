"""Grading on a Dask cluster: `torchdrill grade SUB… --out DIR --cluster ADDRESS`.

The end-to-end tests start a real `dask scheduler` and `dask worker` processes on 127.0.0.1, as a
user would, and compare every result with a local batch of the same submissions (one module-wide
baseline, ``--only ex05_no_grad``, a fast chapter).  The unit tests at the top need no sandbox.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from torchdrill.cluster.bundle import course_bundle, submission_bundle, unpack_submission
from torchdrill.course import load_course
from torchdrill.render.gradescope import without_measurements
from torchdrill.state import STATE_FILE
from torchdrill.submission import MAX_FILE_BYTES, stage

ROOT = Path(__file__).resolve().parents[1]
ONLY = "ex05_no_grad"
DASK = str(Path(sys.executable).parent / "dask")
CHAPTERS = [c.id for c in load_course(ROOT).chapters]


# =========================================================================== bundles (no sandbox)

def _staged(path: Path, into: Path) -> tuple[dict, list]:
    into.mkdir()
    s = stage(path, into, CHAPTERS, "en")
    return {ch: p.read_bytes() for ch, p in s.files.items()}, s.notes


def test_a_submission_travels_as_staging_sees_it(tmp_path):
    sub = tmp_path / "alice"
    (sub / "deep" / "er" / "still" / "more").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / "ex05_no_grad.py", sub / "ex05_no_grad.py")
    (sub / "ex01_tensors.py").write_text("x = 1\n")
    (sub / "ex01_tensors.py").chmod(0o600)
    os.link(sub / "ex01_tensors.py", tmp_path / "elsewhere.py")           # a second name: refused
    (sub / "ex02_tensor_ops.py").symlink_to("/etc/passwd")                 # a link: refused
    os.mkfifo(sub / "ex03_device.py")                                       # not a regular file
    with open(sub / "ex04_autograd.py", "wb") as f:                        # too large: refused
        f.truncate(MAX_FILE_BYTES + 10)
    (sub / "deep" / "er" / "still" / "more" / "ex06_grad_accumulation.py").write_text("too deep\n")
    (sub / "deep" / "ex07_optimization.py").write_text("y = 2\n")
    (sub / ".hidden.py").write_text("secret\n")
    (sub / "notes.txt").write_text("not read by staging\n")

    bundle = submission_bundle(sub)
    assert not any(b"secret" in (e[2] or b"") for e in bundle[1] if e[1] == "file")
    assert not any(b"not read" in (e[2] or b"") for e in bundle[1] if isinstance(e[2], bytes))
    copy = unpack_submission(bundle, tmp_path / "worker")
    assert copy.name == "alice" and copy.parent == tmp_path / "worker"
    files, notes = _staged(sub, tmp_path / "s1")
    files2, notes2 = _staged(copy, tmp_path / "s2")
    assert files == files2 and set(files) == {"ex05_no_grad", "ex07_optimization"}
    assert notes == notes2 and len(notes) == 4, notes


def test_a_lone_file_and_a_missing_path_travel_too(tmp_path):
    lone = tmp_path / "bob.py"
    shutil.copy(ROOT / "solutions" / "ex05_no_grad.py", lone)
    copy = unpack_submission(submission_bundle(lone), tmp_path / "w1")
    assert copy.name == "bob.py" and copy.read_bytes() == lone.read_bytes()
    missing = unpack_submission(submission_bundle(tmp_path / "nobody"), tmp_path / "w2")
    assert _staged(missing, tmp_path / "s1")[1] == _staged(tmp_path / "nobody", tmp_path / "s2")[1]


def test_course_bundle_holds_the_grading_files_and_its_fingerprint_follows_them(tmp_path):
    course = _copy_course(tmp_path / "course")
    b1 = course_bundle(load_course(course))
    names = {rel for rel, _ in b1.files}
    assert "course.yml" in names and f"graders/test_{ONLY}.py" in names and f"solutions/{ONLY}.py" in names
    assert not any("__pycache__" in n or n.startswith("exercises") for n in names)
    assert course_bundle(load_course(course)).fingerprint == b1.fingerprint
    (course / "solutions" / f"{ONLY}.py").write_text("# changed\n", encoding="utf-8")
    b2 = course_bundle(load_course(course))
    assert b2.fingerprint != b1.fingerprint
    root = b2.unpack(tmp_path / "worker")
    assert (root / "solutions" / f"{ONLY}.py").read_text() == "# changed\n"
    assert oct(root.stat().st_mode & 0o777) == "0o700"
    assert b2.unpack(tmp_path / "worker") == root           # unpacked once, reused


# =========================================================================== helpers

def _copy_course(dest: Path) -> Path:
    dest.mkdir(parents=True)
    shutil.copy(ROOT / "course.yml", dest / "course.yml")
    for d in ("graders", "solutions"):
        shutil.copytree(ROOT / d, dest / d, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("_TORCHDRILL_TEST", "DASK_"))}
    env.update(extra)
    return env


def _grade_args(subs, out, *extra) -> list[str]:
    return [sys.executable, "-m", "torchdrill", "grade", *map(str, subs), "--out", str(out), "--only", ONLY,
            "--lang", "en", "--device", "cpu", "--no-progress", *map(str, extra)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _results(out: Path) -> dict[str, dict]:
    return {p.stem: without_measurements(json.loads(p.read_text(encoding="utf-8")))
            for p in out.glob("*.json")}


def _gradings(out: Path) -> dict[str, int]:
    with sqlite3.connect(out / STATE_FILE) as db:
        return dict(db.execute("SELECT name, gradings FROM submissions"))


def _done(out: Path) -> int:
    try:
        with sqlite3.connect(out / STATE_FILE, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM submissions WHERE status = 'done'").fetchone()[0]
    except sqlite3.Error:
        return 0


class Cluster:
    """A `dask scheduler` and `dask worker` processes on 127.0.0.1, as a user starts them."""

    def __init__(self, tmp: Path, *, allowed_failures: int = 0, **extra_env: str):
        self.tmp, self.port = tmp, _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        env = _env(DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=str(allowed_failures),
                   DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION="1.0", **extra_env)
        with open(tmp / "scheduler.log", "wb") as log:      # the child keeps its own descriptor
            self.procs.append(subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                                "--no-dashboard"], env=env, cwd=tmp, stdout=subprocess.DEVNULL,
                                               stderr=log))
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp / "scheduler.log").read_text()
                time.sleep(0.2)

    def worker(self, *, env: dict | None = None, wrap: list[str] = (), cwd: Path | None = None) -> subprocess.Popen:
        n = len(self.workers)
        cwd = cwd or self.tmp / f"worker{n}"
        cwd.mkdir(exist_ok=True)
        cmd = [*wrap, DASK, "worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
               "--name", f"w{n}"]
        with open(self.tmp / f"worker{n}.log", "wb") as log:
            p = subprocess.Popen(cmd, env=env or _env(), cwd=cwd, stdout=subprocess.DEVNULL, stderr=log,
                                 start_new_session=True)
        self.procs.append(p)
        self.workers.append(p)
        return p

    def close(self) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                os.kill(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.fixture(scope="module")
def klass(tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("class")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_class.py"), str(out), "--students", "20"],
                   check=True, capture_output=True)
    return sorted(p for p in out.iterdir() if not p.name.startswith("."))


@pytest.fixture(scope="module")
def baseline(klass, tmp_path_factory) -> dict[str, dict]:
    """The local batch's results for the class: what the cluster must give, byte for byte."""
    out = tmp_path_factory.mktemp("local")
    r = subprocess.run(_grade_args(klass, out, "-j", "2"), cwd=ROOT, env=_env(), capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return _results(out)


# =========================================================================== end to end

@pytest.mark.slow
def test_killed_workers_lose_nothing_and_count_nothing_twice(klass, baseline, tmp_path):
    assert len(klass) >= 20
    killer = tmp_path / "killer"            # every worker that takes it dies (a test hook)
    shutil.copytree(klass[0], killer)
    subs = [*klass[:10], killer, *klass[10:]]
    out = tmp_path / "out"
    worker_env = _env(_TORCHDRILL_TEST_KILL_WORKER="killer")
    cluster = Cluster(tmp_path, allowed_failures=0)   # each death gives up the task; the client retries once
    client = None
    try:
        for _ in range(2):
            cluster.worker(env=worker_env)
        client = subprocess.Popen(_grade_args(subs, out, "--cluster", cluster.address), cwd=ROOT, env=_env(),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        killed, started = False, 0
        deadline = time.monotonic() + 240
        while client.poll() is None:
            assert time.monotonic() < deadline, "the cluster run did not finish"
            # The killer and its retry can take both workers down between two looks, so the
            # supervisor's restart comes first and the kill waits for a worker that is alive.
            alive = [w for w in cluster.workers if w.poll() is None]
            if len(alive) < 2 and started < 5:                      # a supervisor starts another
                cluster.worker(env=worker_env)
                started += 1
            if not killed and alive and _done(out) >= 6:
                os.kill(alive[0].pid, signal.SIGKILL)               # mid-run, whatever it was grading
                killed = True
            time.sleep(0.3)
        _stdout, stderr = client.communicate()
    finally:
        if client is not None and client.poll() is None:            # a failed look must not leak the run
            client.kill()
            client.communicate()
        cluster.close()
    assert killed and started >= 1
    assert client.returncode == 6, stderr[-3000:]               # the killer's grading failed: 6
    gradings = _gradings(out)
    assert len(gradings) == len(subs) and set(gradings.values()) == {1}, gradings
    results = _results(out)
    killed_result = results.pop("killer")
    assert killed_result["score"] == 0 and "grader error: this is not your fault" in killed_result["output"]
    with sqlite3.connect(out / STATE_FILE) as db:
        error = json.loads(db.execute("SELECT result FROM submissions WHERE name = 'killer'").fetchone()[0])["error"]
    assert error.startswith("infrastructure, not the student's fault: the grading workers died"), error
    assert results == baseline
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["submission"] for r in rows) == sorted(gradings)
    assert "killer" in stderr and "grading failed for 1 submission" in stderr


def test_a_result_lost_with_its_worker_before_it_was_fetched_still_settles(tmp_path):
    """The worker holding a finished result dies while it is fetched; the scheduler computes the task
    again and that fails.  as_completed(with_results=True) never yielded such a future (its fetch
    raised inside Dask: dask/distributed#7331) and the cluster run waited for it forever."""
    import threading
    from collections import Counter

    from cluster_support import dies_when_fetched_then_fails
    from distributed import Client, as_completed

    from torchdrill.cluster.client import outcome

    tests_dir = str(ROOT / "tests")                 # the task's module, for the scheduler and the workers
    cluster = Cluster(tmp_path, PYTHONPATH=tests_dir)
    try:
        env = _env(PYTHONPATH=tests_dir)
        first, second = cluster.worker(env=env), cluster.worker(env=env)
        with Client(cluster.address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
            fut = client.submit(dies_when_fetched_then_fails, str(tmp_path / "marker"), pure=False)
            settled: list = []

            def collect() -> None:
                ac, failures = as_completed([fut], raise_errors=False), Counter()
                for f in ac:
                    done = outcome(f, failures)
                    if done is None:
                        ac.add(f)
                    else:
                        settled.append(done)

            t = threading.Thread(target=collect, daemon=True)
            t.start()
            t.join(60)
            assert not t.is_alive(), "the lost result was never settled"
    finally:
        cluster.close()
    assert (tmp_path / "marker").exists(), settled
    assert [w.returncode for w in (first, second)].count(-signal.SIGKILL) == 1     # one died fetching it
    [(status, value)] = settled
    assert status == "error" and isinstance(value, ValueError) and "second try" in str(value)


def _unshare_available() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    r = subprocess.run(["unshare", "-m", "--propagation", "private", "true"], capture_output=True)
    return r.returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(not _unshare_available(), reason="needs root and unshare -m")
def test_workers_that_cannot_see_the_folders_grade_the_same_and_a_stopped_run_resumes(klass, baseline, tmp_path):
    course = _copy_course(tmp_path / "course")
    subs_dir = tmp_path / "class"
    subs_dir.mkdir()
    subs = [Path(shutil.copytree(p, subs_dir / p.name)) for p in klass[:8]]
    fresh = Path(os.environ.get("TMPDIR", "/tmp")) / f"td-fresh-{os.getpid()}-{time.monotonic_ns()}"
    fresh.mkdir()
    # Each worker in a mount namespace of its own where the course and the class are empty tmpfs.
    hide = ["unshare", "-m", "--propagation", "private", "sh", "-c",
            'mount -t tmpfs tmpfs "$1" && mount -t tmpfs tmpfs "$2" && cd "$3" && shift 3 && exec "$@"',
            "sh", str(course), str(subs_dir), str(fresh)]
    probe = subprocess.run([*hide, "ls", "-A", str(course), str(subs_dir)], capture_output=True, text=True)
    assert probe.returncode == 0 and "course.yml" not in probe.stdout and "graders" not in probe.stdout, probe
    out = tmp_path / "out"
    cluster = Cluster(tmp_path)
    try:
        cluster.worker(wrap=hide, cwd=fresh)
        args = _grade_args(subs, out, "--cluster", cluster.address, "--course", course)
        first = subprocess.Popen(args, cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        deadline = time.monotonic() + 120
        while _done(out) < 2 and first.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        first.send_signal(signal.SIGINT)                           # Ctrl-C
        _o, err = first.communicate(timeout=60)
        assert first.returncode == 130, err[-3000:]
        assert "Run the same command again" in err
        partial = _done(out)
        assert 2 <= partial < len(subs)
        second = subprocess.run(args, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=180)
    finally:
        cluster.close()
        shutil.rmtree(fresh, ignore_errors=True)
    assert second.returncode == 0, second.stderr[-3000:]
    assert f"{partial} of {len(subs)} submissions already graded" in second.stderr
    assert set(_gradings(out).values()) == {1}
    results = _results(out)
    assert results == {p.name.removesuffix(".py"): baseline[p.name.removesuffix(".py")] for p in subs}


@pytest.mark.parametrize("address, says", [("scheduler:8786", "give a scheduler address"),
                                           ("local:0", "write local:N")])
def test_a_bad_address_is_a_usage_error(tmp_path, address, says):
    from torchdrill.cluster import grade_on_cluster
    from torchdrill.errors import UsageError

    sub = tmp_path / "alice"
    sub.mkdir()
    with pytest.raises(UsageError, match=says):
        grade_on_cluster([sub], tmp_path / "out", load_course(ROOT), address=address, lang="en", device="cpu",
                         only=ONLY, progress=False)
