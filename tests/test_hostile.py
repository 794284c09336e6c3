"""Hostile submissions, graded through the CLI: whatever a submission does, it gets at most the
points its stubs earn honestly, the run ends in time with a valid results.json, no process is
left behind, no file outside the scratch space changes, and no grader or solution text leaks
(course-spec.md, "Untrusted submissions").

Every case is a copy of ``solutions/ex05_no_grad.py`` with one attack added (see
``tests/hostile_support.py`` for how ``tests/hostile/`` becomes submissions).  An attacked stub
must score 0; the untouched stub keeps its full points wherever the attack leaves it alone.

Cost: starting the CLI costs ~4 s (torch import), so almost every case is graded in ONE batch
run (``torchdrill grade A B C ... --out DIR``, a module fixture) and each test only reads its
results.json.  The batch runs with ``-j 1``: every submission is graded in the same sandbox right
after the one before it, the strongest setting for attacks across submissions (files left behind,
copying another student) and a deterministic one.  A second run, started at the same time, grades
the cases that must run into the limits, against a copy of the course with short ones.
Both runs go through a "reaper" (hostile_support.reap_main) that inherits every orphan, so a
process left behind by a sandboxed child is seen and killed.

A test marked ``xfail(strict=True)`` is a weakness of the engine found by these cases; its reason
names the fix.
"""
from __future__ import annotations

import ast
import os
import secrets
import shutil
import socket
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import hostile_support as hs
import pytest
import yaml

from torchdrill.grading.student import callee_source

pytestmark = pytest.mark.slow

CHAPTER = hs.CHAPTER
EVAL, DETACH = "eval_no_grad", "detach"
PER_SUBMISSION_SECONDS = 60        # the time bound every case's grading must stay under
# The most memory one submission's sandboxed child may hold as its memory cgroup counts it:
# course.yml's memory_mb, the slack for pages it copies from the zygote, and a little rounding.
MEMORY_BOUND_MB = 1024 + 256 + 16
# How much of the host's disk (bytes, inodes) the whole hostile batch may use: staging copies and
# result files; an attack that reached the host's disk would write gigabytes and 200,000 inodes.
DISK_BOUND_BYTES = 400 << 20
INODE_BOUND = 20_000
FAST_LIMITS = {"call_seconds": 5, "cpu_seconds": 5, "submission_seconds": 30}

# Graded in the main batch, in this order (honest controls around the hostile ones; the /dev/shm
# writer before its reader; the copycat after an honest submission it could copy).
BATCH = [
    "honest_first", "copycat",
    "import_sys_exit", "import_os_exit", "import_raise_systemexit", "import_keyboard_interrupt",
    "import_custom_baseexception", "import_pytest_skip", "import_pytest_exit",
    "stub_sys_exit", "stub_os_exit", "stub_raise_systemexit", "stub_keyboard_interrupt",
    "stub_custom_baseexception", "stub_pytest_skip", "stub_pytest_exit",
    "patch_torch_at_import", "always_equal_object", "float_subclass_eq", "tensor_subclass_liar",
    "patch_import_at_import", "patch_import_in_stub", "default_dtype_no_leak",
    "beside_conftest", "beside_pytest_ini", "beside_torch_py", "beside_numpy_py", "beside_sitecustomize",
    "memory_torch_empty", "memory_bytearray", "memory_at_import",
    "fork_bomb", "popen_bomb", "thread_left_running", "daemon_child_left_running",
    "flood_output_stub", "flood_output_import", "fake_results",
    "shm_writer", "shm_reader",
    "honest_middle",
    "write_outside", "read_solution_file", "walk_up", "walk_root", "proc_parent", "import_course_modules",
    "kill_parent", "kill_everything", "killpg_own_group", "deep_recursion", "segfault_ctypes", "network",
    "bad_syntax_error", "bad_not_utf8", "bad_empty_file", "bad_missing_chapter", "bad_corrupt_notebook",
    "bad_schema_invalid_notebook", "bad_symlink_passwd", "bad_symlink_solution", "bad_symlink_dir",
    "bad_many_files",
    "spy_log_forgery", "result_forgery", "proc_cmdline_others", "frames_and_gc", "symlink_back_out",
    "memfd_hog", "shm_hog", "disk_bytes", "disk_inodes", "deep_tree_at_runtime",
    "graph_then_detach", "signal_forgery", "profile_forgery", "hooks_forgery",
    "honest_last",
]
# Graded against the short-limits course (FAST_LIMITS), one after another.  The first submission
# a worker grades also pays for warming up (slow on a loaded machine): the one that sleeps at
# import, whose result does not depend on time.
FAST = ["sleep_at_import", "infinite_loop_sigalrm", "sleep_wall_clock", "sigstop_self", "slow_every_call"]
BOTH = (EVAL, DETACH)
GRADESCOPE_FIELDS = hs.GRADESCOPE_TEST_FIELDS
GENERATED = {"bad_syntax_error", "bad_not_utf8", "bad_empty_file", "bad_missing_chapter",
             "bad_symlink_passwd", "bad_symlink_solution", "bad_symlink_dir", "bad_many_files"}
HONEST = {"honest_first", "honest_middle", "honest_last"}


# ============================================================================ fixtures

class Listener:
    """A localhost TCP port that records every connection made to it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.accepted.append(conn.recv(100))
                except OSError:
                    self.accepted.append(b"")

    def close(self):
        if self._stop.is_set():
            return
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


class Runs:
    """Everything the module's tests read: the two grading runs and what was seen around them."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.session = secrets.token_hex(3)
        self.area = Path(f"/tmp/torchdrill-hostile-area-{self.session}")
        self.listener = Listener()
        self.ctx = hs.Context(session=self.session, area=self.area, port=self.listener.port)
        self.subs = tmp / "subs"
        self.fast_subs = tmp / "fast-subs"
        self.out = tmp / "out"
        self.fast_out = tmp / "fast-out"
        self.fast_course = tmp / "fast-course"
        self.paths: dict[str, Path] = {}
        self.results: dict[str, hs.Graded] = {}
        self.marker_procs: dict[str, list] = {}

    # -------------------------------------------------------------- setup
    def build(self) -> None:
        self.area.mkdir(mode=0o755)
        (self.area / "victim.txt").write_text("the grading host's own file\n")
        for case, root in [(c, self.subs) for c in BATCH] + [(c, self.fast_subs) for c in FAST]:
            if case in HONEST:
                d = root / case
                d.mkdir(parents=True)
                shutil.copy(hs.SOLUTION, d / f"{CHAPTER}.py")
                self.paths[case] = d
            elif case in GENERATED:
                self.paths[case] = hs.build_generated(case, root)
            else:
                self.paths[case] = hs.build(case, root, self.ctx)
        # A copy of the course with short limits, for the cases that must run into them.
        self.fast_course.mkdir()
        raw = yaml.safe_load((hs.ROOT / "course.yml").read_text(encoding="utf-8"))
        raw["limits"].update(FAST_LIMITS)
        (self.fast_course / "course.yml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        for sub in ("solutions", "graders"):
            (self.fast_course / sub).mkdir()
        shutil.copy(hs.SOLUTION, self.fast_course / "solutions" / f"{CHAPTER}.py")
        shutil.copy(hs.GRADER, self.fast_course / "graders" / f"test_{CHAPTER}.py")

    def watched(self) -> list[Path]:
        """Trees nobody else writes to while we run: all must be byte-for-byte unchanged."""
        return [self.subs, self.fast_subs, self.area, hs.HOSTILE, hs.SOLUTION, hs.ROOT / "course.yml",
                self.fast_course]

    # -------------------------------------------------------------- the runs
    def run(self) -> None:
        common = ["--only", CHAPTER, "--lang", "en", "--device", "cpu", "--no-progress"]
        main_args = ["grade", *[str(self.paths[c]) for c in BATCH], "--out", str(self.out),
                     "--course", str(hs.ROOT / "course.yml"), "--jobs", "1", *common]
        fast_args = ["grade", *[str(self.paths[c]) for c in FAST], "--out", str(self.fast_out),
                     "--course", str(self.fast_course / "course.yml"), "--jobs", "1", *common]
        self.before = hs.snapshot(self.watched())
        sampler = hs.DiskSampler(tempfile.gettempdir())
        with sampler, ThreadPoolExecutor(2) as pool:
            main = pool.submit(hs.run_cli, main_args, self.tmp, 1500)
            fast = pool.submit(hs.run_cli, fast_args, self.tmp, 600)
            self.main, self.fast = main.result(), fast.result()
        self.disk = sampler
        self.listener.close()
        self.after = hs.snapshot(self.watched())
        for case in BATCH + FAST:
            out = self.out if case in BATCH else self.fast_out
            path = out / f"{case}.json"
            if path.exists():
                self.results[case] = hs.Graded.load(path)
            self.marker_procs[case] = hs.with_marker(self.ctx.marker(case))
        for procs in self.marker_procs.values():        # never leave our own mess behind
            for p in procs:
                try:
                    os.kill(p.pid, 9)
                except OSError:
                    pass
        self.marker_files = hs.files_named(
            [hs.ROOT, Path("/tmp"), Path("/root"), Path("/"), self.tmp], f"HOSTILE{self.session}", max_depth=2)
        self.marker_files += hs.files_named([hs.ROOT, self.area, self.tmp], f"HOSTILE{self.session}", max_depth=8)

    def cleanup(self) -> None:
        self.listener.close()
        shutil.rmtree(self.area, ignore_errors=True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Runs:
    r = Runs(tmp_path_factory.mktemp("hostile"))
    try:
        r.build()
        r.run()
        yield r
    finally:
        r.cleanup()


# ============================================================================ the assertions

def _strings(obj) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for k, v in obj.items() for s in _strings(k) + _strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return []


def graded(runs: Runs, case: str, *, zero=(), full=(), words: dict[str, list[str]] | None = None,
           any_words: dict[str, list[str]] | None = None, notes: list[str] = (),
           course: Path = hs.ROOT) -> hs.Graded:
    """The checks every case gets; returns the results for case-specific ones.

    zero: stubs that must score 0.  full: stubs that must keep their full points.
    words: stub -> words every failed check's message must contain (case-insensitive).
    any_words: stub -> at least one of these words in every failed check's message.
    notes: words the submission-level output must contain.
    """
    run = runs.main if case in BATCH else runs.fast
    assert run.rc == 0, f"the grading run ended with exit status {run.rc}:\n{run.stderr[-3000:]}"
    assert case in runs.results, f"no results.json for {case}:\n{run.stderr[-3000:]}"
    g = runs.results[case]
    data = g.data
    # --- a valid Gradescope results.json
    assert isinstance(data["score"], (int, float)) and isinstance(data["tests"], list) and data["tests"]
    for t in data["tests"]:
        assert GRADESCOPE_FIELDS <= set(t), t
        assert t["status"] in ("passed", "failed") and isinstance(t["output"], str) and t["output"].strip()
        assert 0 <= t["score"] <= t["max_score"]
        assert t["name"].startswith(f"{CHAPTER}.")
        assert (t["status"] == "passed") == (t["score"] == t["max_score"] and t["max_score"] > 0)
    assert abs(data["score"] - sum(t["score"] for t in data["tests"])) < 1e-6
    # --- score bounds: never above honest, attacked stubs 0, untouched stubs full
    for stub, points in hs.STUBS.items():
        assert g.max_score(stub) == pytest.approx(points), f"{stub}: max_score {g.max_score(stub)}"
        assert g.score(stub) <= points
    for stub in zero:
        assert g.score(stub) == 0, f"{case}: the attacked stub {stub} scored {g.score(stub)}"
    for stub in full:
        assert g.score(stub) == pytest.approx(hs.STUBS[stub]), \
            f"{case}: the untouched stub {stub} scored {g.score(stub)}:\n" + "\n".join(g.failed_outputs(stub))
    # --- a clear message on every failed check
    for stub, needed in (words or {}).items():
        outputs = g.failed_outputs(stub)
        assert outputs, f"{case}: {stub} has no failed check"
        for out in outputs:
            for w in needed:
                assert w.lower() in out.lower(), f"{case}: {w!r} missing from {stub}'s message:\n{out}"
    for stub, options in (any_words or {}).items():
        outputs = g.failed_outputs(stub)
        assert outputs, f"{case}: {stub} has no failed check"
        for out in outputs:
            assert any(w.lower() in out.lower() for w in options), f"{case}: none of {options} in:\n{out}"
    for w in notes:
        assert w.lower() in data["output"].lower(), f"{case}: {w!r} not in the notes:\n{data['output']}"
    # --- within the time bound, and the memory bound as the kernel counted it
    assert data["execution_time"] < PER_SUBMISSION_SECONDS, f"{case} took {data['execution_time']} s"
    assert data["extra_data"].get("memory_peak_mb", 0) <= MEMORY_BOUND_MB, data["extra_data"]
    # --- nothing leaked: no grader line, solution line or secret path the student did not hand in
    text = "\n".join(_strings(data))
    leaked = hs.leaks(text, hs.submission_text(runs.paths[case]), course)
    assert not leaked, f"{case}: secret text in the results: {leaked}"
    assert "LEAK" not in text, f"{case}: the attack reported a find:\n{text[:3000]}"
    # --- no process left behind that carries this case's marker
    marker = runs.ctx.marker(case)
    assert not runs.marker_procs[case], f"{case}: processes left running: {runs.marker_procs[case]}"
    assert not [p for p in run.leftovers if marker in p["cmdline"]]
    assert not [f for f in runs.marker_files if marker in f], f"{case}: files created: {runs.marker_files}"
    return g


# ============================================================================ the runs as a whole

def test_runs_exit_zero_and_write_every_result(runs):
    """Both grading runs end with exit status 0 and write one results.json per submission, plus a
    gradebook.csv with one row per submission: nothing a submission does stops the batch."""
    assert runs.main.rc == 0 and runs.fast.rc == 0, runs.main.stderr[-3000:] + runs.fast.stderr[-3000:]
    assert set(runs.results) == set(BATCH + FAST)
    for out, cases in ((runs.out, BATCH), (runs.fast_out, FAST)):
        rows = (out / "gradebook.csv").read_text(encoding="utf-8").splitlines()
        assert len(rows) == len(cases) + 1
        assert {r.split(",")[0] for r in rows[1:]} == set(cases)


def test_runs_leave_no_process_behind(runs):
    """After the CLI exits, nothing it started is still alive: no sandboxed child (uid >= 1<<30)
    and no other descendant was left for the reaper to inherit, and no process anywhere carries a
    marker of this session.  (Sandboxes of other test sessions on the same machine may run at the
    same time, so uids >= 1<<30 are only counted among our own run's descendants.)"""
    for run in (runs.main, runs.fast):
        assert not [p for p in run.leftovers if p["uid"] >= hs.UID_BASE], run.leftovers
        assert run.leftovers == [], run.leftovers
    assert not [p for procs in runs.marker_procs.values() for p in procs]
    assert not [p for p in hs.processes() if f"HOSTILE{runs.session}" in p.cmdline]


def test_runs_change_no_file_outside_scratch(runs):
    """No submission changed a file it must not: the submissions themselves, the course files, a
    host folder outside the sandbox, the fixtures; and no file named after any case's marker
    exists anywhere the attacks aimed at (repository, /tmp, /root, /)."""
    changed = {k for k in set(runs.before) | set(runs.after) if runs.before.get(k) != runs.after.get(k)}
    assert not changed, sorted(changed)
    assert runs.marker_files == []
    for path in (hs.GRADER, hs.ROOT / "course.yml", hs.SOLUTION):    # also edited by others: look for our marks
        assert f"HOSTILE{runs.session}" not in path.read_text(encoding="utf-8")


def test_runs_take_bounded_time(runs):
    """The whole batch of ~70 hostile submissions, and the short-limits run, each finish well
    inside their bounds."""
    assert runs.main.seconds < PER_SUBMISSION_SECONDS * len(BATCH) / 4
    assert runs.fast.seconds < len(FAST) * (FAST_LIMITS["submission_seconds"] + 30)


def test_honest_submissions_unaffected(runs):
    """Honest copies of the solution graded before, among and after the hostile ones keep full
    marks: no hostile submission changed another submission's result."""
    for case in sorted(HONEST):
        g = graded(runs, case, full=BOTH)
        assert g.data["score"] == pytest.approx(4.0)


# ============================================================================ exits and escapes

def test_import_sys_exit(runs):
    """sys.exit(0) at import: the module never loads, so both stubs get 0 with a message that
    names SystemExit and says to return a value instead (a clean exit is not a pass)."""
    graded(runs, "import_sys_exit", zero=BOTH, words={EVAL: ["SystemExit", "return a value"],
                                                      DETACH: ["SystemExit", "return a value"]})


def test_import_os_exit(runs):
    """os._exit(0) at import: no result file is written; both stubs get 0 and the message says the
    process ended before returning (exit status 0 is not success)."""
    graded(runs, "import_os_exit", zero=BOTH, words={s: ["ended the process", "exit status 0"] for s in BOTH})


def test_import_raise_systemexit(runs):
    """raise SystemExit at import: both stubs 0, message names SystemExit."""
    graded(runs, "import_raise_systemexit", zero=BOTH, words={s: ["SystemExit"] for s in BOTH})


def test_import_keyboard_interrupt(runs):
    """KeyboardInterrupt at import (which aborts an in-process pytest session): both stubs 0, the
    run goes on, the message names KeyboardInterrupt."""
    graded(runs, "import_keyboard_interrupt", zero=BOTH, words={s: ["KeyboardInterrupt"] for s in BOTH})


def test_import_custom_baseexception(runs):
    """A custom BaseException at import (past `except Exception`): both stubs 0, message names it."""
    graded(runs, "import_custom_baseexception", zero=BOTH, words={s: ["Escape"] for s in BOTH})


def test_import_pytest_skip(runs):
    """pytest.skip(allow_module_level=True) at import: a skip never counts as a pass; both 0, the
    message says a skip counts as failed."""
    graded(runs, "import_pytest_skip", zero=BOTH, words={s: ["Skipped"] for s in BOTH})


def test_import_pytest_exit(runs):
    """pytest.exit(returncode=0) at import: grading is not ended; both 0, the message says so."""
    graded(runs, "import_pytest_exit", zero=BOTH, words={s: ["pytest.exit"] for s in BOTH})


def test_stub_sys_exit(runs):
    """sys.exit(0) inside eval_no_grad: that stub 0 with a SystemExit message; detach untouched."""
    graded(runs, "stub_sys_exit", zero=[EVAL], full=[DETACH], words={EVAL: ["SystemExit", "return a value"]})


def test_stub_os_exit(runs):
    """os._exit(0) inside detach: detach 0 ("ended the process ... exit status 0"); eval_no_grad full."""
    graded(runs, "stub_os_exit", zero=[DETACH], full=[EVAL], words={DETACH: ["ended the process", "exit status 0"]})


def test_stub_raise_systemexit(runs):
    """raise SystemExit(0) inside eval_no_grad: 0 for it, detach full."""
    graded(runs, "stub_raise_systemexit", zero=[EVAL], full=[DETACH], words={EVAL: ["SystemExit"]})


def test_stub_keyboard_interrupt(runs):
    """KeyboardInterrupt inside detach: 0 for it, the run goes on, eval_no_grad full."""
    graded(runs, "stub_keyboard_interrupt", zero=[DETACH], full=[EVAL], words={DETACH: ["KeyboardInterrupt"]})


def test_stub_custom_baseexception(runs):
    """A custom BaseException inside eval_no_grad: 0 for it, detach full."""
    graded(runs, "stub_custom_baseexception", zero=[EVAL], full=[DETACH], words={EVAL: ["Escape"]})


def test_stub_pytest_skip(runs):
    """pytest.skip() inside detach: the skip is a failure, 0 for detach, eval_no_grad full."""
    graded(runs, "stub_pytest_skip", zero=[DETACH], full=[EVAL], words={DETACH: ["Skipped"]})


def test_pytest_skip_message_says_it_counts_as_failed(runs):
    """A stub (or module) that calls pytest.skip() is told that a skip cannot skip a check."""
    for case in ("stub_pytest_skip", "import_pytest_skip"):
        g = runs.results[case]
        for out in g.failed_outputs(DETACH):
            assert "cannot skip a check" in out, out


def test_stub_pytest_exit(runs):
    """pytest.exit(returncode=0) inside eval_no_grad: 0 for it, grading continues, detach full."""
    graded(runs, "stub_pytest_exit", zero=[EVAL], full=[DETACH], words={EVAL: ["pytest.exit"]})


# ============================================================================ lying about results

def test_patch_torch_at_import(runs):
    """torch.allclose/equal/isclose/testing.assert_close, Tensor.__eq__/equal/data_ptr and
    untyped_storage patched at import, with both stubs wrong: the patches live only in the sandboxed
    child, the trusted side compares with its own torch, so both stubs get 0 as wrong answers."""
    graded(runs, "patch_torch_at_import", zero=BOTH,
           any_words={s: ["expected", "cannot be read as data"] for s in BOTH})


def test_always_equal_object(runs):
    """detach returns an object whose __eq__, all(), __bool__ and __torch_function__ always agree:
    it is not a plain tensor, so detach gets 0 with "should be a torch.Tensor"; eval_no_grad full."""
    graded(runs, "always_equal_object", zero=[DETACH], full=[EVAL], words={DETACH: ["torch.Tensor"]})


def test_float_subclass_eq(runs):
    """eval_no_grad returns a float subclass whose comparisons all say yes: 0, "torch.Tensor"."""
    graded(runs, "float_subclass_eq", zero=[EVAL], full=[DETACH], words={EVAL: ["torch.Tensor"]})


def test_tensor_subclass_liar(runs):
    """detach returns a torch.Tensor subclass whose __torch_function__ lies about equality and
    storage: only exact torch.Tensor counts, so detach gets 0 and the message asks for a plain
    tensor; eval_no_grad full."""
    graded(runs, "tensor_subclass_liar", zero=[DETACH], full=[EVAL], words={DETACH: ["torch.Tensor"]})


def test_patch_import_at_import(runs):
    """builtins.__import__ patched and sys.modules['torch'] replaced at import, so that the sandbox's
    own code would see a fake torch whose Tensor is the student's class: trusted code puts both back
    before it measures, so the fake value is judged as what it is (wrong), both stubs 0."""
    graded(runs, "patch_import_at_import", zero=BOTH,
           any_words={s: ["cannot be read as data", "torch.Tensor", "ended the process", "never called f",
                          "wrong answer"] for s in BOTH})


def test_patch_import_in_stub(runs):
    """The same patches made during eval_no_grad's call: 0 for it, detach (a separate call in a
    fresh child) is unaffected and keeps full marks."""
    graded(runs, "patch_import_in_stub", zero=[EVAL], full=[DETACH],
           any_words={EVAL: ["cannot be read as data", "torch.Tensor", "ended the process", "never called f",
                             "wrong answer"]})


def test_default_dtype_does_not_leak(runs):
    """Each call checks the default dtype is float32 then sets float64: had the setting leaked into
    the next call (or the next submission), that call would raise.  Full marks prove each call
    starts clean."""
    g = graded(runs, "default_dtype_no_leak", full=BOTH)
    assert "leaked" not in g.raw


@pytest.mark.parametrize("case, extra", [
    ("beside_conftest", "conftest"), ("beside_pytest_ini", "plugin"), ("beside_torch_py", "torch-py"),
    ("beside_numpy_py", "numpy-py"), ("beside_sitecustomize", "sitecustomize")])
def test_files_beside_the_chapter_are_ignored(runs, case, extra):
    """A conftest.py (forcing reports to passed), a pytest.ini naming a plugin, a torch.py or
    numpy.py shadowing the real ones, a sitecustomize.py/usercustomize.py, each next to a
    correct-looking but wrong chapter file: none of them ever runs (each would leave a file in a
    host folder), and both wrong stubs get 0."""
    graded(runs, case, zero=BOTH, any_words={s: ["expected", "wrong"] for s in BOTH})
    assert not list(runs.area.glob(f"*{extra}-ran")), list(runs.area.iterdir())


# ============================================================================ resources

def test_memory_torch_empty(runs):
    """A 50 GB torch.empty in eval_no_grad: stopped by the address-space limit, 0 with a message
    about memory; detach full."""
    graded(runs, "memory_torch_empty", zero=[EVAL], full=[DETACH], words={EVAL: ["memory"]})


def test_memory_bytearray(runs):
    """A 50 GB bytearray in detach: MemoryError, 0 with a memory message; eval_no_grad full."""
    graded(runs, "memory_bytearray", zero=[DETACH], full=[EVAL], words={DETACH: ["memory"]})


def test_memory_at_import(runs):
    """A 50 GB tensor at import: both stubs 0 with a message about memory."""
    graded(runs, "memory_at_import", zero=BOTH, words={s: ["memory"] for s in BOTH})


def test_fork_bomb(runs):
    """100 os.fork() in eval_no_grad: the per-uid process limit refuses them (none starts), 0 for
    the stub, nothing left running afterwards; detach full."""
    g = graded(runs, "fork_bomb", zero=[EVAL], full=[DETACH], words={EVAL: ["fork bomb"]})
    assert all("started 0 children" in o for o in g.failed_outputs(EVAL)), g.failed_outputs(EVAL)


def test_popen_bomb(runs):
    """100 subprocess.Popen in detach: refused, 0 for the stub, nothing left running; eval full."""
    g = graded(runs, "popen_bomb", zero=[DETACH], full=[EVAL], words={DETACH: ["popen bomb"]})
    assert all("started 0 children" in o for o in g.failed_outputs(DETACH)), g.failed_outputs(DETACH)


def test_thread_left_running(runs):
    """eval_no_grad returns zeros and starts a thread meant to fix them after return and spin
    forever: the result is taken at return (or the thread is refused), so 0; nothing survives."""
    graded(runs, "thread_left_running", zero=[EVAL], full=[DETACH])


def test_daemon_child_left_running(runs):
    """detach double-forks a setsid daemon meant to outlive grading: it is refused or killed; no
    process carrying the marker survives; detach (wrong) 0, eval full."""
    graded(runs, "daemon_child_left_running", zero=[DETACH], full=[EVAL])


def test_flood_output_stub(runs):
    """200 MB printed by detach: output is capped, the stub is stopped with a message about the
    output, 0 for it; eval full; the flood never reaches results.json."""
    g = graded(runs, "flood_output_stub", zero=[DETACH], full=[EVAL], words={DETACH: ["output"]})
    assert len(g.raw) < 200_000


def test_flood_output_import(runs):
    """200 MB printed at import: output capped, both stubs 0 ("File too large"), the flood never
    reaches results.json."""
    g = graded(runs, "flood_output_import", zero=BOTH, words={s: ["printed more than"] for s in BOTH})
    assert len(g.raw) < 200_000


def test_flood_output_import_message_names_the_output(runs):
    """The student is told that printing too much is what stopped the module from loading."""
    g = runs.results["flood_output_import"]
    for out in g.failed_outputs(EVAL) + g.failed_outputs(DETACH):
        assert "output" in out, out


def test_fake_results(runs):
    """Printing a fake results.json and "100/100 passed" (at import and in detach) and writing
    results.json files: printed output is not a result; detach (wrong) 0, eval full, the score is
    the honest 2 and no fake text shows up in the real results.json."""
    g = graded(runs, "fake_results", zero=[DETACH], full=[EVAL])
    assert g.data["score"] == pytest.approx(2.0)
    assert runs.ctx.marker("fake_results") not in g.raw and "100/100" not in g.raw


# ============================================================================ files and secrets

def test_write_outside(runs):
    """eval_no_grad tries to write its submission folder, the course (solutions, graders,
    course.yml), /root, /, /etc, a host folder outside the sandbox, the staged chapter files of
    every submission and the parent of its working directory.  Only its own tmpfs folders (its
    working folder /home/student, a private /tmp, /dev/shm) take writes, none of which is visible
    on the host; 0 for the stub."""
    g = graded(runs, "write_outside", zero=[EVAL], full=[DETACH], words={EVAL: ["WROTE"]})
    marker = runs.ctx.marker("write_outside")
    for out in g.failed_outputs(EVAL):
        wrote = ast.literal_eval(out.split("WROTE ", 1)[1].split("\n", 1)[0])
        outside = [p for p in wrote if p not in (f"/tmp/{marker}", f"/dev/shm/{marker}")
                   and not p.startswith("/home/student/")]
        assert outside == [], wrote
    assert (runs.area / "victim.txt").read_text() == "the grading host's own file\n"


def test_read_solution_file(runs):
    """open() of the course's solutions/ex05_no_grad.py, graders/test_ex05_no_grad.py and this very
    test file by their host paths: none exists in the sandbox; nothing is read."""
    graded(runs, "read_solution_file", zero=[EVAL], full=[DETACH], words={EVAL: ["FileNotFoundError"]})


def test_walk_up(runs):
    """Walking up from the working directory and the module's folder: no solutions/, graders/,
    exercises/ or course.yml anywhere above; nothing is read."""
    graded(runs, "walk_up", zero=[DETACH], full=[EVAL], words={DETACH: ["found: []"]})


def test_walk_root(runs):
    """os.walk('/') over everything visible, reading every file named like the solution or the
    grader: nothing with a solution region, a check or a course manifest is found."""
    graded(runs, "walk_root", zero=[EVAL], full=[DETACH], words={EVAL: ["found: []"]})


def test_proc_parent(runs):
    """/proc/<ppid> and every ancestor: cwd, root and exe links, environ, open fds, and the course
    through /proc/<pid>/root are all refused to the sandbox uid; the jail's own procfs (hidepid=2)
    does not even show the parent's command line."""
    g = graded(runs, "proc_parent", zero=[DETACH], full=[EVAL], words={DETACH: ["ancestors: []"]})
    for out in g.failed_outputs(DETACH):
        assert "parent runs [?]" in out and "torchdrill" not in out and "--out" not in out, out


def test_import_course_modules(runs):
    """import solutions / graders / test_ex05_no_grad, torchdrill.grading's path, the course loader:
    none reaches the hidden files."""
    graded(runs, "import_course_modules", zero=[EVAL], full=[DETACH], words={EVAL: ["ModuleNotFoundError"]})


# ============================================================================ signals and crashes

def test_kill_parent(runs):
    """SIGKILL to the parent zygote, its group and every torchdrill/pytest process: all refused
    (a uid of its own), grading goes on, 0 for the stub, detach full, honest_middle after it full."""
    g = graded(runs, "kill_parent", zero=[EVAL], full=[DETACH], words={EVAL: ["kills sent 0"]})
    assert g.data["score"] == pytest.approx(2.0)


def test_kill_everything(runs):
    """os.kill(-1, SIGKILL) in detach: the only process with its uid is itself (which kill(-1) spares),
    so nothing else dies: it survives to raise, detach 0, eval full, and later submissions are
    unaffected."""
    graded(runs, "kill_everything", zero=[DETACH], full=[EVAL], words={DETACH: ["still alive"]})


def test_killpg_own_group(runs):
    """os.killpg(0, ...) in eval_no_grad: its process group is its own session, so only it dies."""
    graded(runs, "killpg_own_group", zero=[EVAL], full=[DETACH], words={EVAL: ["killed by signal"]})


def test_deep_recursion(runs):
    """Unbounded recursion through a C function with the limit raised to 10**7: the C stack
    overflows and the child crashes; 0 for the stub with a clear message, detach full."""
    graded(runs, "deep_recursion", zero=[EVAL], full=[DETACH],
           any_words={EVAL: ["RecursionError", "memory", "killed by signal", "ran longer than"]})


def test_segfault_ctypes(runs):
    """ctypes.string_at(0) in detach: a segfault, reported as killed by SIGSEGV; eval full."""
    graded(runs, "segfault_ctypes", zero=[DETACH], full=[EVAL], words={DETACH: ["SIGSEGV"]})


def test_network(runs):
    """TCP to 1.1.1.1:53 and to a port this test listens on at 127.0.0.1, and a UDP DNS query: none
    gets through (empty network namespace); the listener saw no connection."""
    g = graded(runs, "network", zero=[EVAL], full=[DETACH], words={EVAL: ["network:"]})
    assert "CONNECTED" not in g.raw
    assert runs.listener.accepted == []


# ============================================================================ bad input

def test_bad_syntax_error(runs):
    """A chapter file with a syntax error: both stubs 0, the message says "syntax error" and the line."""
    graded(runs, "bad_syntax_error", zero=BOTH, words={s: ["syntax error", "line"] for s in BOTH})


def test_bad_not_utf8(runs):
    """A chapter file with Latin-1 bytes: both 0, the message says it is not UTF-8."""
    graded(runs, "bad_not_utf8", zero=BOTH, words={s: ["not UTF-8"] for s in BOTH})


def test_bad_empty_file(runs):
    """An empty chapter file: both 0, the message says the function is not defined."""
    graded(runs, "bad_empty_file", zero=BOTH, words={s: ["not defined"] for s in BOTH})


def test_bad_missing_chapter(runs):
    """No ex05_no_grad.py at all (another chapter's file and a README instead): both 0, the message
    says the file is not in the submission."""
    graded(runs, "bad_missing_chapter", zero=BOTH, words={s: ["not in your submission"] for s in BOTH})


def test_bad_corrupt_notebook(runs):
    """A truncated .ipynb: a note that it is not a valid notebook, both stubs 0 (missing)."""
    graded(runs, "bad_corrupt_notebook", zero=BOTH, notes=["not a valid notebook"],
           words={s: ["not in your submission"] for s in BOTH})


def test_bad_schema_invalid_notebook(runs):
    """Valid JSON but not a valid nbformat 4 notebook: a note that it is not a valid notebook, both 0."""
    graded(runs, "bad_schema_invalid_notebook", zero=BOTH, notes=["not a valid notebook"],
           words={s: ["not in your submission"] for s in BOTH})


def test_bad_symlink_passwd(runs):
    """ex05_no_grad.py is a symbolic link to /etc/passwd: skipped with a note, both 0, and no line
    of /etc/passwd appears in the results."""
    g = graded(runs, "bad_symlink_passwd", zero=BOTH, notes=["symbolic link"])
    assert "root:x:0:0" not in g.raw


def test_bad_symlink_solution(runs):
    """ex05_no_grad.py is a symbolic link to the course's own solution file: skipped with a note,
    both 0 (a link to the answer is not an answer)."""
    graded(runs, "bad_symlink_solution", zero=BOTH, notes=["symbolic link"])


def test_bad_symlink_dir(runs):
    """Links to the solutions folder inside the submission: never entered, both 0."""
    graded(runs, "bad_symlink_dir", zero=BOTH, words={s: ["not in your submission"] for s in BOTH})


def test_bad_many_files(runs):
    """The real answer next to a folder of 5 000 files: staging stops looking after its cap with a
    note, still grades the chapter file it found (full marks), and finishes quickly."""
    g = graded(runs, "bad_many_files", full=BOTH, notes=["more than"])
    assert g.data["execution_time"] < 30


# ============================================================================ time limits (short-limits run)

def test_infinite_loop_sigalrm(runs):
    """An endless loop with SIGALRM/SIGXCPU/SIGTERM ignored: killed from outside at the course's
    wall-clock or CPU limit (5 s in this run), and not run again; 0 for the stub, detach full."""
    g = graded(runs, "infinite_loop_sigalrm", zero=[EVAL], full=[DETACH],
               any_words={EVAL: ["ran longer than", "CPU time"]})
    calls = len(g.failed_outputs(EVAL))
    assert g.data["execution_time"] < calls * (FAST_LIMITS["call_seconds"] + 2) + 8


def test_sleep_wall_clock(runs):
    """time.sleep(1000) uses no CPU: the wall-clock limit ends each call ("ran longer than"); 0 for
    detach, eval full, and the submission ends in seconds, not 1000 s."""
    g = graded(runs, "sleep_wall_clock", zero=[DETACH], full=[EVAL], words={DETACH: ["ran longer than"]})
    assert g.data["execution_time"] < 3 * (FAST_LIMITS["call_seconds"] + 2) + 8


def test_sigstop_self(runs):
    """SIGSTOP on itself: a stopped process never exits, the wall clock ends it; 0 for detach."""
    graded(runs, "sigstop_self", zero=[DETACH], full=[EVAL], words={DETACH: ["ran longer than"]})


def test_sleep_at_import(runs):
    """time.sleep(1000) at import: the first call of each stub is stopped by the wall clock and
    the stub is not run again, both 0, each message says "ran longer than"; the submission costs
    about one limit per stub, not one per check."""
    g = graded(runs, "sleep_at_import", zero=BOTH, words={s: ["ran longer than"] for s in BOTH})
    assert g.data["execution_time"] < 2 * (FAST_LIMITS["call_seconds"] + 3) + 15


def test_slow_every_call_respects_submission_budget(runs):
    """Right answers, but every call sleeps 4.5 s, just under the 5 s per-call limit, over a dozen
    calls: the course's per-submission limit (submission_seconds, 30 s here) ends grading anyway,
    at most one call late; checks not run say why; never more than the honest points."""
    stopped = [s for s in BOTH if runs.results["slow_every_call"].failed_outputs(s)]
    assert stopped, "a dozen calls of 4.5 s fitted in 30 s?"
    g = graded(runs, "slow_every_call", any_words={s: ["in total", "ran longer than"] for s in stopped})
    assert g.data["execution_time"] <= FAST_LIMITS["submission_seconds"] + FAST_LIMITS["call_seconds"] + 6


# ============================================================================ weaknesses found

def test_shm_writer(runs):
    """Leaving a note in /dev/shm at import costs nothing by itself: both (reference) stubs full."""
    graded(runs, "shm_writer", full=BOTH)


def test_shm_reader_sees_nothing_from_other_submissions(runs):
    """eval_no_grad lists /dev/shm, /tmp and /var/tmp: nothing left by the submission graded before
    it (shm_writer) may be visible."""
    g = graded(runs, "shm_reader", zero=[EVAL], full=[DETACH])
    assert runs.ctx.marker("shm_writer") not in g.raw


def test_copycat_cannot_use_other_submissions(runs):
    """Both stubs look for another student's staged file (/sandbox/sub-N/ex05_no_grad.py) in the
    sandbox that just graded an honest submission, and delegate to it: they find nothing (batch
    workers remove each stage folder when its submission is done), so 0 points, "not implemented"."""
    graded(runs, "copycat", zero=BOTH, words={s: ["not implemented"] for s in BOTH})


def _no_better_than_the_plain_mistake(runs, case: str) -> None:
    """``case`` forges the spy log of a wrong eval_no_grad (a graph recorded, then detached): it
    scores no more than the same mistake without forging (graph_then_detach), which is below full
    marks, and the check that saw the graph still says so."""
    control = graded(runs, "graph_then_detach", full=[DETACH])
    g = graded(runs, case, full=[DETACH])
    assert control.score(EVAL) < hs.STUBS[EVAL]
    assert g.score(EVAL) <= control.score(EVAL), f"{case}: {g.score(EVAL)} > {control.score(EVAL)}"
    assert len(g.failed_outputs(EVAL)) == len(control.failed_outputs(EVAL))


def test_spy_log_forgery(runs):
    """eval_no_grad records a graph and hides it afterwards, then edits f.__td_spy_log__: no point
    for it (the log lives in the harness, not on the function handed to the student)."""
    _no_better_than_the_plain_mistake(runs, "spy_log_forgery")


@pytest.mark.xfail(strict=True, reason=(
    "architectural: the child that runs student code also measures and serializes the result, so "
    "student code can rewrite what is saved (here it wraps torchdrill.sandbox.child._plain to swap "
    "a copy for a view of y). Mitigations: bind the serializer as a local in child._run before the "
    "student's module runs (module globals are what the attack patches), and flag submissions that "
    "touch sys.modules['torchdrill...'], ctypes, gc or frames for staff review; only parent-side "
    "value checks are immune."))
def test_result_forgery(runs):
    """detach returns a copy and forges the serializer so the copy looks like a view: detach must
    still get 0."""
    graded(runs, "result_forgery", zero=[DETACH], full=[EVAL])


def test_proc_cmdline_of_other_processes(runs):
    """eval_no_grad reports the command lines of every process it can see: the names of the other
    submissions in the batch must not be among them."""
    g = graded(runs, "proc_cmdline_others", zero=[EVAL], full=[DETACH])
    for other in ("honest_first", "honest_last", "copycat"):
        assert other not in g.raw


def test_frames_and_gc(runs):
    """detach searches the call stack and every object the garbage collector knows for absolute
    paths of solutions/ or graders/ folders: it must find none, and no path of a hidden file may
    appear in the results."""
    graded(runs, "frames_and_gc", zero=[DETACH], full=[EVAL], words={DETACH: ["found nothing"]})


def test_callee_source_does_not_leak(tmp_path):
    """At the sandbox API (no ex05 grader uses callees yet): a call graded with a reference callee
    in place must not let the student's function read the reference solution's source."""
    from torchdrill.sandbox import Sandbox, SandboxLimits, make

    attack = (hs.HOSTILE / "callee_source_leak.py").read_text(encoding="utf-8")
    with Sandbox(SandboxLimits(call_seconds=10, cpu_seconds=5, memory_mb=512),
                 hide=[str(hs.ROOT / "solutions"), str(hs.ROOT / "graders")]) as sb:
        sb.ready()
        module = sb.stage_dir() / f"{CHAPTER}.py"
        module.write_text("import torch\n" + attack, encoding="utf-8")
        module.chmod(0o644)
        import torch

        r = sb.call(module, CHAPTER, "eval_no_grad", [make("fn", "square"), torch.ones(2)],
                    callees={"detach": {"code": callee_source(hs.SOLUTION, "detach"), "record": False}})
    text = str(r.error.get("message", "")) + r.output
    assert r.status == "raised"
    leaked = [line for line in hs.solution_region_lines() if line in text]
    assert "LEAK" not in text and not leaked, text[:500]


def test_symlink_back_out(runs):
    """detach swaps output.txt and result.pt for links to the solution and the grader, then exits:
    0 for detach ("cannot be read as data"), eval full, and neither file's text reaches the results
    (printed output is not shown to students today; see the sandbox-level test below)."""
    graded(runs, "symlink_back_out", zero=[DETACH], full=[EVAL],
           any_words={DETACH: ["cannot be read as data", "ended the process"]})


def test_trusted_side_does_not_follow_student_symlinks(tmp_path):
    """At the sandbox API: after a call whose code left links in its call folder, nothing the trusted
    side read back contains the solution's text."""
    from torchdrill.sandbox import Sandbox, SandboxLimits

    ctx = hs.Context(session="api", area=tmp_path)
    attack = hs.fill((hs.HOSTILE / "symlink_back_out.py").read_text(encoding="utf-8"), "symlink_back_out",
                     ctx, tmp_path)
    with Sandbox(SandboxLimits(call_seconds=10, cpu_seconds=5, memory_mb=512),
                 hide=[str(hs.ROOT / "solutions"), str(hs.ROOT / "graders")]) as sb:
        sb.ready()
        module = sb.stage_dir() / f"{CHAPTER}.py"
        module.write_text(attack, encoding="utf-8")
        module.chmod(0o644)
        import torch

        r = sb.call(module, CHAPTER, "detach", [torch.ones(2)])
    assert r.status in ("bad_result", "no_result")
    solution_docstring = hs.solution_text().splitlines()[0]
    assert solution_docstring not in r.output, r.output[:300]


# ============================================================================ the host's memory and disk

@pytest.mark.skipif(os.geteuid() != 0, reason="cgroups and tmpfs folders need root; without it isolation is reduced")
def test_memfd_hog(runs):
    """3 GB in memfd files of 15 MB each (under the per-file limit; RLIMIT_AS does not count them):
    the child's memory cgroup stops it ("memory"), 0 for detach, eval full, and the child never held
    more than the course's memory limit (its cgroup's peak, in the results)."""
    g = graded(runs, "memfd_hog", zero=[DETACH], full=[EVAL], words={DETACH: ["memory"]})
    assert 0 < g.data["extra_data"]["memory_peak_mb"] <= MEMORY_BOUND_MB


@pytest.mark.skipif(os.geteuid() != 0, reason="cgroups and tmpfs folders need root")
def test_shm_hog(runs):
    """/dev/shm files and multiprocessing.shared_memory segments of 15 MB until stopped: the child's
    own capped /dev/shm refuses them (no space left), 0 for detach, eval full, memory bounded."""
    g = graded(runs, "shm_hog", zero=[DETACH], full=[EVAL], any_words={DETACH: ["space", "memory"]})
    assert g.data["extra_data"]["memory_peak_mb"] <= MEMORY_BOUND_MB


@pytest.mark.skipif(os.geteuid() != 0, reason="cgroups and tmpfs folders need root")
def test_disk_bytes(runs):
    """2 GB as 10 MB files in the working folder and /tmp: both are capped tmpfs folders of the child,
    so the writes fail ("No space left"), 0 for detach, and the host's disk does not see them."""
    graded(runs, "disk_bytes", zero=[DETACH], full=[EVAL], words={DETACH: ["space"]})
    assert runs.disk.used_bytes() < DISK_BOUND_BYTES, runs.disk


@pytest.mark.skipif(os.geteuid() != 0, reason="cgroups and tmpfs folders need root")
def test_disk_inodes(runs):
    """200,000 empty files in the working folder and /tmp: the folders cap inodes as well."""
    graded(runs, "disk_inodes", zero=[DETACH], full=[EVAL], words={DETACH: ["space"]})
    assert runs.disk.used_inodes() < INODE_BOUND, runs.disk


def test_deep_tree_at_runtime(runs):
    """A 3,000-level folder tree written at run time, then the right answer: graded as usual (both
    stubs full), the tree dies with the child's tmpfs, and the batch goes on."""
    graded(runs, "deep_tree_at_runtime", full=BOTH)


# ============================================================================ the window after the call

def test_signal_forgery(runs):
    """A repeating interval timer whose handler rewrites the spy log only once the stub has returned:
    timers are disarmed and signals blocked in C, and the record is measured by the sealer thread
    while the main thread (the only one Python runs handlers in) waits in C: no better than the
    plain mistake."""
    _no_better_than_the_plain_mistake(runs, "signal_forgery")


def test_profile_forgery(runs):
    """A profile and a trace function that forge on the harness's first call after the return and
    then remove themselves: removed in C before any Python code of ours runs."""
    _no_better_than_the_plain_mistake(runs, "profile_forgery")


def test_hooks_forgery(runs):
    """An audit hook (refused: the harness's own hook, installed first, forbids new ones), a gc
    callback (cleared with the collector stopped before anything runs) and a torch function mode
    (thread-local: the sealer's stack is empty), each forging once the stub returned."""
    _no_better_than_the_plain_mistake(runs, "hooks_forgery")
