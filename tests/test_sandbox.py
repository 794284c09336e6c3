"""The sandbox itself: what a call returns, and how each way of ending is reported."""
from __future__ import annotations

import os
import signal
import textwrap

import pytest
import torch

from torchdrill.sandbox import make, probe, wire

SOURCE = textwrap.dedent('''
    import os, sys, time, signal
    import numpy as np
    import torch

    def add(a, b):
        return a + b

    def view(t):
        return t.view(-1)

    def to_np(t):
        return t.numpy()

    def np_copy(t):
        return np.array(t)

    def boom(x):
        raise ValueError("bad value " + str(x))

    def todo(x):
        raise NotImplementedError("not yet")

    def spin(x):
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        while True:
            pass

    def sleepy(x):
        time.sleep(100)

    def hold_then_sleep(mb):
        held = []
        for i in range(mb // 8):              # memfd pages: outside RLIMIT_AS, inside the cgroup
            fd = os.memfd_create(f"held{i}")
            os.posix_fallocate(fd, 0, 8 << 20)
            held.append(fd)
        time.sleep(100)

    def hog(x):
        return torch.empty(10 ** 10)

    def leave(x):
        os._exit(0)

    def quit_(x):
        sys.exit(0)

    def whoami(x):
        return [os.getuid(), os.getcwd(), sorted(os.listdir("/")), sorted(os.listdir("/home"))]

    def shout(x):
        print("hello from the student")
        return x

    def liar(x):
        class Liar(torch.Tensor):
            pass
        return x.as_subclass(Liar)

    def grow(w):
        for _ in range(3):
            (w * w).sum().backward()
        return w.grad

    def fn_call(f, x):
        return f(x)

    def gen(g):
        return torch.randn(3, generator=g)
''')


@pytest.fixture(scope="module")
def student(sandbox):
    d = sandbox.stage_dir()
    path = d / "student.py"
    path.write_text(SOURCE)
    path.chmod(0o644)

    def call(func, *args, **kw):
        return sandbox.call(path, "student", func, list(args), **kw)
    return call


def test_value_and_args_come_back(student):
    r = student("add", torch.tensor([1, 2]), torch.tensor([3, 4]))
    assert r.status == "ok"
    assert torch.equal(r.value, torch.tensor([4, 6])) and r.value.dtype == torch.int64
    assert torch.equal(r.args[0], torch.tensor([1, 2]))


def test_storage_sharing_survives_the_trip(student):
    x = torch.arange(6.0).reshape(2, 3)
    r = student("view", x)
    from torchdrill.grading.checks import shares_memory
    assert shares_memory(r.value, r.args[0])


def test_numpy_aliasing_is_measured_in_the_child(student):
    x = torch.arange(4.0)
    shared = student("to_np", x, probes=[probe("np_shares", "result", 0)])
    copied = student("np_copy", x, probes=[probe("np_shares", "result", 0)])
    assert isinstance(shared.value, wire.NDArray) and shared.value.dtype == "float32"
    assert shared.probes["np_shares"] is True
    assert copied.probes["np_shares"] is False


def test_exception_reports_student_frames_only(student):
    r = student("boom", 3)
    assert r.status == "raised"
    assert r.error["exc_type"] == "ValueError" and r.error["message"] == "bad value 3"
    assert [f["func"] for f in r.error["frames"]] == ["boom"]
    assert "raise ValueError" in r.error["frames"][0]["code"]


def test_not_implemented_is_flagged(student):
    r = student("todo", 1)
    assert r.status == "raised" and r.error["not_implemented"] is True


def test_cpu_limit_kills_a_loop_that_ignores_sigalrm(student):
    r = student("spin", 1)
    assert r.status in ("cpu", "timeout")
    assert r.wall < 6


def test_wall_clock_limit_kills_a_sleeper(student):
    r = student("sleepy", 1, wall_seconds=1)
    assert r.status == "timeout" and r.wall < 3


def test_memory_limit(student):
    r = student("hog", 1)
    assert r.status == "memory"


@pytest.mark.skipif(os.geteuid() != 0, reason="memory cgroups need root")
def test_time_running_out_over_the_memory_limit_is_a_memory_stop(student):
    """A child that holds more than the course's memory limit (512 MB here; its cgroup's cap
    has slack above that) when its time runs out is reported as stopped for memory: at the cap
    the kernel can spend seconds reclaiming before its OOM kill, and that is not the student's
    time.  The same sleep holding little memory is a time limit."""
    over = student("hold_then_sleep", 600, wall_seconds=2)
    assert over.status == "memory", over
    under = student("hold_then_sleep", 64, wall_seconds=2)
    assert under.status == "timeout", under


def test_os_exit_leaves_no_result(student):
    r = student("leave", 1)
    assert r.status == "no_result" and r.exit == 0


def test_sys_exit_is_just_an_exception(student):
    r = student("quit_", 1)
    assert r.status == "raised" and r.error["exc_type"] == "SystemExit"


def test_output_is_captured(student):
    r = student("shout", 1)
    assert r.status == "ok" and "hello from the student" in r.output


def test_tensor_subclass_comes_back_opaque(student):
    r = student("liar", torch.ones(2))
    assert isinstance(r.value, wire.Opaque) and r.value.detail == "a subclass of torch.Tensor"


def test_grad_and_hooks_are_probed(student):
    r = student("grow", make("leaf", torch.tensor([1.0, 2.0])), probes=[probe("grad_hook", 0), probe("facts", 0)])
    assert r.status == "ok"
    assert [t.tolist() for t in r.probes["grad_hook"]] == [[2.0, 4.0], [4.0, 8.0], [6.0, 8.0 + 4.0]]
    assert r.probes["facts"]["requires_grad"] and r.probes["facts"]["is_leaf"]


def test_makers_build_functions_and_generators(student):
    r = student("fn_call", make("fn", "poly", coeffs=[5.0, 3.0, 1.0]), torch.tensor(2.0))
    assert r.value.item() == 15.0
    g = student("gen", make("generator", 7))
    assert torch.equal(g.value, torch.randn(3, generator=torch.Generator().manual_seed(7)))


def test_missing_function(student):
    r = student("nope", 1)
    assert r.status == "missing_function"


@pytest.mark.skipif(os.geteuid() != 0, reason="the jail needs root; without it isolation is reduced")
def test_child_is_jailed_with_its_own_uid(student, sandbox):
    assert sandbox.info["isolated"] is True
    r = student("whoami", 1)
    uid, cwd, top, home = r.value
    assert uid >= 1 << 30
    assert "opt" not in top
    assert home == ["student"] and cwd == "/home/student"    # its own tmpfs, nobody else's home


def test_same_call_twice_gives_same_result(student):
    a = student("gen", make("generator", 3), seed=5)
    b = student("gen", make("generator", 3), seed=5)
    assert torch.equal(a.value, b.value)


def test_no_process_is_left_behind(sandbox, module_file):
    path = module_file(textwrap.dedent('''
        import os, time
        def f(x):
            if os.fork() == 0:
                time.sleep(60)
            return 1
    '''))
    sandbox.call(path, "student", "f", [1])
    zygote = sandbox.proc.pid
    sandbox.end_session()          # what the grader does after each submission
    leftovers = [p for p in os.listdir("/proc")
                 if p.isdigit() and _uid(p) >= (1 << 30) and zygote in _ancestors(p)]
    assert leftovers == []


def _uid(pid: str) -> int:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except FileNotFoundError:
        return -1


def _ancestors(pid: str) -> list[int]:
    """The parent chain of ``pid`` (other sandboxes on a shared machine are not ours to count)."""
    chain, current = [], pid
    while current not in ("0", "1"):
        try:
            with open(f"/proc/{current}/status") as f:
                current = next(line.split()[1] for line in f if line.startswith("PPid:"))
        except (OSError, StopIteration):
            break
        chain.append(int(current))
    return chain


def test_kill_signal_is_reported(sandbox, module_file):
    path = module_file("import os, signal\ndef f(x):\n    os.kill(os.getpid(), signal.SIGSEGV)\n")
    r = sandbox.call(path, "student", "f", [1])
    assert r.status == "killed" and r.signal == signal.SIGSEGV


def test_lazy_imports_work_wherever_the_interpreter_lives(sandbox, module_file):
    """Modules the zygote did not preload are read from the interpreter's folders inside the jail,
    even when those lie under /tmp (a CI clone's venv), which each child covers with its own /tmp."""
    path = module_file("def f(x):\n    import wave, pytest\n    return [wave.__name__, pytest.__name__]\n")
    r = sandbox.call(path, "student", "f", [1])
    assert r.status == "ok" and r.value == ["wave", "pytest"], r.error


def test_one_child_serves_every_chapter_of_a_submission_when_asked(tmp_path):
    """The "submission" scope (what a GPU run uses: one CUDA context per submission) loads every
    chapter file staged beside the first one called, and serves calls into each of them."""
    from torchdrill.sandbox import Sandbox, SandboxLimits

    with Sandbox(SandboxLimits(call_seconds=10, cpu_seconds=5, memory_mb=512)) as sb:
        sb.session_scope = "submission"
        sb.ready()
        d = sb.stage_dir()
        (d / "ch_a.py").write_text("def f(x):\n    return x + 1\n")
        (d / "ch_b.py").write_text("def g(x):\n    return x * 10\n")
        for f in d.iterdir():
            f.chmod(0o644)
        a = sb.call(d / "ch_a.py", "ch_a", "f", [1])
        b = sb.call(d / "ch_b.py", "ch_b", "g", [2])
        again = sb.call(d / "ch_a.py", "ch_a", "f", [3])
        assert (a.value, b.value, again.value) == (2, 20, 4), (a.error, b.error)
        assert sb.children_started == 1


def test_a_child_near_its_lifetimes_cpu_limit_is_replaced_before_the_next_call(tmp_path, monkeypatch):
    """A child serves a whole submission, and RLIMIT_CPU bounds its whole life: once the CPU it
    has used leaves less than two calls' worth, the next call gets a new child instead of being
    cut short by what earlier calls used.  (The child's CPU is read as if it were near the limit.)"""
    from torchdrill.sandbox import Sandbox, SandboxLimits, client

    with Sandbox(SandboxLimits(call_seconds=10, cpu_seconds=5, memory_mb=512)) as sb:
        sb.session_scope = "submission"
        sb.ready()
        d = sb.stage_dir()
        (d / "ch_a.py").write_text("def f(x):\n    return x + 1\n")
        (d / "ch_a.py").chmod(0o644)
        assert [sb.call(d / "ch_a.py", "ch_a", "f", [i]).value for i in range(2)] == [1, 2]
        assert sb.children_started == 1                 # one child for both
        sb.end_session()
        near = sb.limits.session_cpu_seconds - 2 * sb.limits.cpu_seconds + 1
        monkeypatch.setattr(client._Child, "cpu_seconds", lambda self: float(near))
        results = [sb.call(d / "ch_a.py", "ch_a", "f", [i]) for i in range(3)]
        assert [(r.status, r.value) for r in results] == [("ok", 1), ("ok", 2), ("ok", 3)]
        assert sb.children_started == 1 + 3             # each call's child was ended after it


def test_a_reference_callee_stays_no_longer_than_its_chapters_calls(tmp_path):
    """One child serves a whole submission; a chapter's module and the reference callees compiled
    for it are dropped when calls move on to another chapter, so a later chapter's code can
    neither import that module nor dig the callees out."""
    from torchdrill.sandbox import Sandbox, SandboxLimits

    seek = ("import gc, types\n"
            "def seek():\n"
            "    found = 0\n"
            "    for o in gc.get_objects():\n"
            "        for d in [o, *gc.get_referents(o)]:\n"
            "            if type(d) is dict:\n"
            "                found += sum(type(v) is types.CodeType and v.co_filename == '<reference>'\n"
            "                             for v in d.values())\n"
            "    return found\n")
    with Sandbox(SandboxLimits(call_seconds=10, cpu_seconds=5, memory_mb=512)) as sb:
        sb.session_scope = "submission"
        sb.ready()
        d = sb.stage_dir()
        (d / "ch_a.py").write_text(seek + "def f(x):\n    return [helper(x), seek()]\n")
        (d / "ch_b.py").write_text(seek + "def g(x):\n    return seek()\n\n"
                                   "def other(x):\n"
                                   "    try:\n"
                                   "        import ch_a\n"
                                   "    except ImportError:\n"
                                   "        return 'no ch_a here'\n"
                                   "    return ch_a.helper(x)\n")
        for f in d.iterdir():
            f.chmod(0o644)
        helper = {"helper": {"code": "def helper(x):\n    return x * 2\n"}}
        during = sb.call(d / "ch_a.py", "ch_a", "f", [3], callees=helper).value
        assert during[0] == 6 and during[1] >= 1          # the search finds it while its chapter runs
        assert sb.call(d / "ch_b.py", "ch_b", "g", [0]).value == 0
        # nor import the other chapter's module (with the reference callee in it), which a
        # child of its own would not find either
        assert sb.call(d / "ch_b.py", "ch_b", "other", [5]).value == "no ch_a here"
        assert sb.children_started == 1


def test_torch_settings_of_one_call_do_not_reach_the_next(tmp_path):
    """One child serves a whole submission: a thread count (whose pool the confined child may not
    start: the next parallel op would kill it), the float32 matmul precision, denormal flushing and
    numpy's error handling set by one chapter are put back before another chapter's call."""
    from torchdrill.sandbox import Sandbox, SandboxLimits

    with Sandbox(SandboxLimits(call_seconds=20, cpu_seconds=10, memory_mb=1024)) as sb:
        sb.session_scope = "submission"
        sb.ready()
        d = sb.stage_dir()
        (d / "a.py").write_text("import torch\ndef f(x):\n    torch.set_num_threads(4)\n"
                                "    torch.set_float32_matmul_precision('medium')\n"
                                "    torch.set_flush_denormal(True)\n    import numpy\n    numpy.seterr(all='raise')\n"
                                "    return torch.get_num_threads()\n")
        (d / "b.py").write_text("import numpy, torch\ndef g(x):\n    numpy.float64(1.0) / 0.0\n"
                                "    y = torch.randn(512, 512) @ torch.randn(512, 512)\n"
                                "    return [torch.get_num_threads(), torch.get_float32_matmul_precision(),\n"
                                "            bool(torch.isfinite(y).all())]\n")
        for f in d.iterdir():
            f.chmod(0o644)
        assert sb.call(d / "a.py", "a", "f", [0]).value == 4
        r = sb.call(d / "b.py", "b", "g", [0])
        assert (r.status, r.value) == ("ok", [1, "highest", True]), (r.status, r.error)
        assert sb.children_started == 1



    """``launch`` starts the zygote's process before the caller knows its configuration (check
    does, to overlap the two imports of torch); ``Sandbox.start`` adopts it."""
    from torchdrill.sandbox import Sandbox
    from torchdrill.sandbox.launch import launch

    launched = launch()
    box = Sandbox()
    try:
        box.start(launched)
        assert box.proc is launched.proc and box.base == launched.base
        box.ready()
        d = box.stage_dir()
        (d / "m.py").write_text("def f(x):\n    return x + 1\n")
        (d / "m.py").chmod(0o644)
        assert box.call(d / "m.py", "m", "f", [1]).value == 2
    finally:
        box.close()
    assert launched.proc.poll() is not None and not launched.base.exists()

    spare = launch()
    spare.close()
    assert spare.proc.poll() is not None and not spare.base.exists()


def test_recorded_calls_show_every_write_to_a_tensor_handed_in_again(tmp_path):
    """A recorded callee's arguments: a tensor handed in again unchanged travels once, and any
    write between two calls shows, also the ones that leave the version counter where it was
    (through ``.data``, through a numpy view) and a flipped sign of zero."""
    from torchdrill.sandbox import Sandbox, SandboxLimits

    with Sandbox(SandboxLimits(call_seconds=10, cpu_seconds=5, memory_mb=512)) as sb:
        sb.ready()
        d = sb.stage_dir()
        (d / "m.py").write_text(textwrap.dedent("""
            import torch
            def loop(x):
                step(x)                      # 1: as given
                step(x)                      # 2: unchanged
                x[1] = -0.0
                step(x)                      # 3: 0.0 -> -0.0 (equal, other bits)
                x.data.add_(1)
                step(x)                      # 4: written through .data
                x.numpy()[0] = 7
                step(x)                      # 5: written through numpy
                step(x.view(3, 1))           # 6: another object, same storage
                return x
        """))
        (d / "m.py").chmod(0o644)
        callees = {"step": {"code": "def step(t):\n    return None\n", "record": True}}
        r = sb.call(d / "m.py", "m", "loop", [torch.tensor([1.0, 0.0, 2.0])], callees=callees,
                    probes=[probe("callees")])
        assert r.status == "ok", r.error
        seen = [c["args"][0]["value"] for c in r.probes["callees"]["step"]]
        assert [v.tolist() for v in seen[:5]] == [[1.0, 0.0, 2.0], [1.0, 0.0, 2.0], [1.0, -0.0, 2.0],
                                                  [2.0, 1.0, 3.0], [7.0, 1.0, 3.0]]
        assert torch.signbit(seen[2][1]) and not torch.signbit(seen[1][1])
        assert seen[5].shape == (3, 1) and seen[5].flatten().tolist() == seen[4].tolist()
        # unchanged: the same copy (one storage on the wire); changed: a copy of its own
        assert seen[0].untyped_storage().data_ptr() == seen[1].untyped_storage().data_ptr()
        ptrs = {v.untyped_storage().data_ptr() for v in seen[1:]}
        assert len(ptrs) == 5


@pytest.mark.skipif(os.geteuid() != 0, reason="cgroups need root")
def test_groups_left_by_a_killed_zygote_are_swept_by_the_next(tmp_path):
    """A zygote killed with SIGKILL never removes its groups; the next one removes those named for a
    process that is gone (and empty), and leaves a live process's alone."""
    import subprocess
    import sys

    from torchdrill.sandbox import cgroup

    ctl, why = cgroup.detect("torchdrill-sweep-probe")
    if ctl is None:
        pytest.skip(why)
    parents = {os.path.dirname(r) for r in (ctl.memory_root, ctl.pids_root) if r}
    ctl.close()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        for parent in parents:
            os.makedirs(os.path.join(parent, f"torchdrill-{gone.pid}", "child-1"))
            os.makedirs(os.path.join(parent, f"torchdrill-{live.pid}", "child-1"))
        ctl, _ = cgroup.detect(f"torchdrill-{os.getpid()}-sweep")
        assert ctl is not None
        ctl.close()
        for parent in parents:
            assert not os.path.exists(os.path.join(parent, f"torchdrill-{gone.pid}"))
            assert os.path.isdir(os.path.join(parent, f"torchdrill-{live.pid}", "child-1"))
    finally:
        live.kill()
        live.wait()
        for parent in parents:
            for pid in (gone.pid, live.pid):
                top = os.path.join(parent, f"torchdrill-{pid}")
                for d in (os.path.join(top, "child-1"), top):
                    if os.path.isdir(d):
                        os.rmdir(d)
