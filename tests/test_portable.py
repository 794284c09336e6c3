"""The portable sandbox (issue 19): forced on Linux, it must serve the whole ``check`` path as the
full sandbox does, and the engine must import where Linux-only facilities are missing.

What this cannot show: behaviour on a real macOS or Windows machine (MPS, no ``resource`` on
Windows, spawn semantics there).  None has been tried; the README says so.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch

from torchdrill import release as rel
from torchdrill.course import load_course
from torchdrill.errors import UsageError
from torchdrill.sandbox import SandboxLimits, backend
from torchdrill.sandbox.portable import PortableSandbox

CLI = [sys.executable, "-m", "torchdrill"]
ENV = {**os.environ, "COLUMNS": "200", "PYTHONUTF8": "1"}
ENV.pop(backend.ENV, None)


# ----------------------------------------------------------------------------- importing without Linux

BLOCKED_IMPORTS = textwrap.dedent('''
    import builtins, importlib, os, pkgutil, socket, sys

    BLOCKED = {"fcntl", "resource", "termios", "pty", "pwd", "grp"}
    real_import = builtins.__import__

    def guarded(name, globals=None, locals=None, fromlist=(), level=0):
        """Refuse the Linux-only modules to torchdrill's own modules (libraries such as psutil
        bring their own per-platform parts and are not ours to judge)."""
        importer = (globals or {}).get("__name__", "") or ""
        if level == 0 and name.split(".")[0] in BLOCKED and importer.startswith("torchdrill"):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked)", name=name)
        return real_import(name, globals, locals, fromlist, level)

    builtins.__import__ = guarded
    for mod, names in ((os, ("fork", "forkpty")), (socket, ("send_fds", "recv_fds"))):
        for attr in names:
            if hasattr(mod, attr):
                delattr(mod, attr)

    import torchdrill
    from torchdrill.sandbox import backend

    LINUX_BACKEND = {"torchdrill.sandbox.zygote", "torchdrill.sandbox.isolation"}
    failed, refused = [], []
    for info in pkgutil.walk_packages(torchdrill.__path__, "torchdrill."):
        if info.name.endswith("__main__"):
            continue
        try:
            importlib.import_module(info.name)
        except Exception as exc:
            (refused if info.name in LINUX_BACKEND else failed).append(f"{info.name}: {type(exc).__name__}: {exc}")
    print("FAILED", failed)
    print("REFUSED", sorted(r.split(":")[0] for r in refused))
    print("KIND", backend.resolve("auto"), backend.full_available())
''')


@pytest.mark.slow
def test_the_engine_imports_without_linux_only_facilities(tmp_path):
    """Every module of the engine imports with fcntl/resource/termios/pty/pwd/grp refused to it and
    os.fork, socket.send_fds gone; only the full sandbox's own zygote and isolation modules
    (which the blocker must catch, or it proves nothing) need them; auto then picks portable."""
    script = tmp_path / "blocked.py"
    script.write_text(BLOCKED_IMPORTS)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600, env=ENV)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in out.stdout.splitlines() if " " in line}
    assert lines["FAILED"] == "[]", lines["FAILED"]
    assert lines["REFUSED"] == "['torchdrill.sandbox.isolation', 'torchdrill.sandbox.zygote']"
    assert lines["KIND"].startswith("portable (False, 'the full sandbox needs os.fork, socket.send_fds")


# ----------------------------------------------------------------------------- choosing the backend

def test_auto_picks_full_on_this_linux_and_portable_where_it_cannot_run(monkeypatch):
    monkeypatch.setenv(backend.ENV, "auto")          # recorded, so whatever is set here is undone
    monkeypatch.delenv(backend.ENV)
    assert backend.full_available() == (True, "")
    assert backend.resolve("auto") == "full" and backend.resolve("portable") == "portable"
    monkeypatch.setattr(backend.sys, "platform", "darwin")
    assert backend.full_available() == (False, "the full sandbox needs Linux (this is darwin)")
    assert backend.resolve("auto") == "portable" and backend.resolve(None) == "portable"
    monkeypatch.setenv(backend.ENV, "full")
    assert backend.resolve(None) == "full"
    with pytest.raises(ValueError):
        backend.resolve("jail")


def test_grade_off_linux_refuses_unless_portable_is_named_and_then_warns(monkeypatch, capsys):
    from torchdrill.commands.grade import choose_sandbox

    monkeypatch.setenv(backend.ENV, "auto")          # recorded, so whatever is set here is undone
    monkeypatch.delenv(backend.ENV)
    monkeypatch.setattr(backend, "full_available", lambda: (False, "the full sandbox needs Linux (this is win32)"))
    for kind in ("auto", "full"):
        with pytest.raises(UsageError, match=r"grading needs the full Linux sandbox.*not safe for untrusted"):
            choose_sandbox(kind)
    assert choose_sandbox("portable") == "portable" and os.environ[backend.ENV] == "portable"
    assert "NOT SAFE FOR UNTRUSTED CODE" in capsys.readouterr().err


def test_new_sandbox_builds_the_kind_asked_for(root, monkeypatch):
    from torchdrill.grade import new_sandbox
    from torchdrill.sandbox import Sandbox

    monkeypatch.setenv(backend.ENV, "auto")          # recorded, so whatever is set here is undone
    monkeypatch.delenv(backend.ENV)
    course = load_course(root)
    assert type(new_sandbox(course, "cpu")) is Sandbox
    portable = new_sandbox(course, "cpu", sandbox="portable")
    assert isinstance(portable, PortableSandbox) and portable.limits.memory_mb == course.limits.memory_mb
    monkeypatch.setenv(backend.ENV, "portable")          # how a batch's workers inherit the choice
    assert isinstance(new_sandbox(course, "cpu"), PortableSandbox)


# ----------------------------------------------------------------------------- the sandbox itself

SOURCE = textwrap.dedent('''
    import ctypes, os, signal, time
    import torch

    def add(a, b):
        return a + b

    def shout(x):
        print("hello from the student")
        return x

    def todo(x):
        raise NotImplementedError("not yet")

    def spin(x):
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        while True:
            pass

    def leave(x):
        os._exit(0)

    def crash(x):
        ctypes.string_at(0)

    def flood(x):
        while True:
            print("x" * 10000)

    def hog(x):
        return torch.empty(10 ** 10)

    def spawn_sleeper(x):
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        return os.getpid()
''')


@pytest.fixture(scope="module")
def portable():
    with PortableSandbox(SandboxLimits(call_seconds=6, cpu_seconds=2, memory_mb=512, file_mb=1)) as sb:
        sb.warm = False
        sb.ready()
        path = sb.stage_dir() / "student.py"
        path.write_text(SOURCE)
        yield sb, path


@pytest.mark.slow
def test_each_way_a_call_ends_is_reported_as_the_full_sandbox_reports_it(portable):
    import psutil

    sb, path = portable
    assert sb.info["isolated"] is False and "portable" in sb.info["reason"]

    def call(func, *args):
        return sb.call(path, "student", func, list(args))

    r = call("add", torch.tensor([1, 2]), torch.tensor([3, 4]))
    assert r.status == "ok" and torch.equal(r.value, torch.tensor([4, 6]))
    r = call("shout", 1)
    assert r.status == "ok" and r.output == "hello from the student\n"
    r = call("todo", 1)
    assert r.status == "raised" and r.error["not_implemented"] is True
    r = call("hog", 1)
    assert r.status == "memory"
    r = call("flood", 1)
    assert r.status == "raised" and "File too large" in r.error["message"]
    assert r.output_truncated and len(r.output) == sb.limits.output_kb * 1024
    r = call("spin", 1)
    assert r.status in ("cpu", "timeout") and r.wall < 8
    r = call("leave", 1)
    assert r.status == "no_result" and r.exit == 0
    r = call("crash", 1)
    assert r.status == "killed" and r.signal == 11
    r = call("spawn_sleeper", 1)
    assert r.status == "ok"
    worker = psutil.Process(r.value)
    left = worker.children(recursive=True)
    assert left                                       # the sleeper is alive until the session ends
    sb.end_session()
    time.sleep(0.2)
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in [worker, *left])
    assert sb.children_started == 4                  # killed at spin, at leave, at crash, and the last one


@pytest.mark.slow
def test_without_rlimits_as_on_windows_the_watches_from_outside_stop_memory_and_output(tmp_path):
    """Windows has no rlimits: the resident memory of the worker's tree and the size of its output
    file, watched from here, end a call as RLIMIT_AS and RLIMIT_FSIZE do on Linux."""
    source = textwrap.dedent('''
        import time
        import torch

        def hold(x):
            big = torch.ones(2 ** 28)          # 1 GiB, every page touched
            time.sleep(20)
            return big.sum()

        def flood(x):
            while True:
                print("x" * 10000)
    ''')
    with PortableSandbox(SandboxLimits(call_seconds=10, cpu_seconds=8, memory_mb=256, file_mb=1)) as sb:
        sb.warm, sb.rlimits = False, False
        path = sb.stage_dir() / "student.py"
        path.write_text(source)
        r = sb.call(path, "student", "hold", [1])
        assert r.status == "memory" and r.wall < 8
        r = sb.call(path, "student", "flood", [1])
        assert r.status == "raised" and "File too large" in r.error["message"] and r.wall < 8


# ----------------------------------------------------------------------------- the whole check path

@pytest.fixture(scope="module")
def bundle(root, tmp_path_factory):
    return rel.release(load_course(root), tmp_path_factory.mktemp("portable") / "student").root


def check(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "check", "--sandbox", "portable", *args], cwd=cwd, env=ENV,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_solutions_pass_and_untouched_stubs_are_not_implemented_through_the_portable_sandbox(bundle, root, tmp_path):
    """One run over the whole course (a worker per chapter costs seconds): every other chapter holds
    the reference solution (each of its visible checks passes), the rest are as released (each
    is "not implemented yet")."""
    student = tmp_path / "student"
    shutil.copytree(bundle, student)
    chapters = [c.id for c in load_course(bundle).chapters]
    solved = chapters[::2]
    for chapter in solved:
        shutil.copy(root / "solutions" / f"{chapter}.py", student / "exercises" / f"{chapter}.py")
    out = check(student, "--lang", "en")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Sandbox: portable (a separate process" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr
    counts = json.loads((bundle / "graders" / "release.json").read_text())["checks"]
    passed = sum(c["visible"] for q, c in counts.items() if q.split(".")[0] in solved)
    assert f"{passed} of {sum(c['visible'] for c in counts.values())} visible checks passed." in out.stdout
    rows = {}
    chapter = None
    for line in out.stdout.splitlines():
        if line.split(" ")[0] in chapters:
            chapter = line.split(" ")[0]
        elif line.startswith("│") and "/" in line.split("│")[3]:
            cells = [c.strip() for c in line.split("│")[1:-1]]
            rows[f"{chapter}.{cells[0]}"] = cells
    assert set(rows) == {q for q, c in counts.items() if c["visible"]}
    for qual, cells in rows.items():
        n = counts[qual]["visible"]
        if qual.split(".")[0] in solved:
            assert cells[1] == "passed" and cells[2] == f"{n}/{n} passed", (qual, cells)
        else:
            assert cells[1] == "not implemented yet" and cells[2] == f"0/{n} passed", (qual, cells)


@pytest.mark.slow
def test_solutions_of_one_chapter_pass_in_korean(bundle, root, tmp_path):
    student = tmp_path / "student"
    shutil.copytree(bundle, student)
    shutil.copy(root / "solutions" / "ex02_tensor_ops.py", student / "exercises" / "ex02_tensor_ops.py")
    out = check(student, "ex02_tensor_ops", "--lang", "ko")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "샌드박스: 이식형" in out.stdout and "공개된 검사를 모두 통과했습니다." in out.stdout


HOSTILE = {
    # eval_no_grad never returns; detach ends the process
    "loop_and_exit": ('''
        def eval_no_grad(f, x):
            import signal
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
            while True:
                pass


        def detach(y):
            import os
            os._exit(0)
    ''', {"eval_no_grad": ["ran longer than|CPU time"], "detach": ["ended the process", "exit status 0"]}),
    # eval_no_grad prints without end; detach crashes the interpreter
    "flood_and_crash": ('''
        def eval_no_grad(f, x):
            while True:
                print("spam " * 2000)


        def detach(y):
            import ctypes
            ctypes.string_at(0)
    ''', {"eval_no_grad": ["printed more than", "output"], "detach": ["killed by signal SIGSEGV"]}),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_loop_an_exit_a_flood_and_a_crash_are_reported_as_in_the_full_sandbox(bundle, tmp_path, case):
    import re

    source, words = HOSTILE[case]
    work = tmp_path / "mine"
    work.mkdir()
    (work / "ex05_no_grad.py").write_text(textwrap.dedent(source))
    started = time.monotonic()
    out = check(bundle, "ex05_no_grad", "--dir", str(work), "--lang", "en")
    assert out.returncode == 1, out.stdout + out.stderr
    text = out.stdout
    assert "│ eval_no_grad │" in text and "│ detach       │" in text
    for stub, expected in words.items():
        block = text[text.index(f"✗ {stub}:"):]
        for w in expected:
            assert re.search(w, block[:2000]), (stub, w, text)
    assert len(text) < 20_000                 # the flood never reaches the terminal
    assert "Traceback" not in text + out.stderr
    assert time.monotonic() - started < 120


def test_bundle_installs_on_linux_macos_and_windows(bundle):
    """install.sh picks PyPI's wheel (MPS) on macOS and the CPU build on Linux; install.ps1 and a
    plain `python -m pip` path serve Windows; the README gives both, in both languages."""
    sh = (bundle / "install.sh").read_text()
    assert 'if [ "$(uname -s)" = Darwin ]' in sh and "https://download.pytorch.org/whl/cpu" in sh
    wheel = next((bundle / "engine").glob("*.whl")).name
    ps1 = (bundle / "install.ps1").read_text(encoding="utf-8-sig")
    assert "torch==2.13.0" in ps1 and f"engine\\{wheel}" in ps1 and ".venv\\Scripts\\python.exe" in ps1
    readme = (bundle / "README.md").read_text()
    for words in ("bash install.sh", "powershell -ExecutionPolicy Bypass -File install.ps1",
                  f".venv\\Scripts\\python -m pip install engine\\{wheel}", "**Linux, macOS**", "**Windows**"):
        assert readme.count(words) >= 2, words                 # Korean and English


def test_float64_checks_on_a_device_without_float64_are_a_note_not_a_failure():
    """On MPS a check that broke because the device has no float64 is taken out of the verdict
    (and named in a note); on cpu and cuda nothing is ever taken out."""
    from torchdrill.commands.check import _without_unsupported_dtype
    from torchdrill.results import CheckResult, Outcome

    mps_error = ("graders/test_ex02_tensor_ops.py::test_add_dtypes | TypeError: Cannot convert a MPS Tensor to "
                 "float64 dtype as the MPS framework doesn't support float64. Please use float32 instead.")
    broken = Outcome.GRADER_ERROR
    checks = (CheckResult("ex02_tensor_ops", "add", "dtypes", broken, 0.0, 1.0, True, "m", node=mps_error),
              CheckResult("ex02_tensor_ops", "add", "other", broken, 0.0, 1.0, True, "m", node="x | KeyError"),
              CheckResult("ex02_tensor_ops", "mul", "values", Outcome.WRONG, 0.0, 1.0, True, "m", node=mps_error))
    kept, dropped = _without_unsupported_dtype(checks, "mps")
    assert [c.title for c in kept] == ["other", "values"] and dropped == ["mps"]
    for device in ("cpu", "cuda", "cuda:1"):
        assert _without_unsupported_dtype(checks, device) == (checks, [])


def test_the_sandbox_package_imports_without_os_sysconf():
    """Windows has no os.sysconf: the sandbox package (portable.py shares CallResult with the full
    sandbox's client.py) still imports."""
    code = "import os; del os.sysconf; import torchdrill.sandbox.portable"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=ENV)
    assert out.returncode == 0, out.stderr[-2000:]
