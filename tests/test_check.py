"""``torchdrill check``: a student checks their work in the release bundle against the visible
checks, in the same sandbox as grading, and reads an honest summary (never full marks)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from torchdrill import release as rel
from torchdrill.course import load_course
from torchdrill.render.check_table import stub_rows
from torchdrill.results import CheckResult, Outcome, SubmissionResult

CLI = [sys.executable, "-m", "torchdrill"]
ENV = {**os.environ, "COLUMNS": "200", "PYTHONUTF8": "1"}


@pytest.fixture(scope="module")
def bundle(root, tmp_path_factory):
    return rel.release(load_course(root), tmp_path_factory.mktemp("check") / "student")


def manifest(bundle_root: Path) -> dict[str, dict[str, int]]:
    return json.loads((bundle_root / "graders" / "release.json").read_text())["checks"]


def run_check(cwd: Path, *args: str, env=ENV, exe=CLI, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([*exe, "check", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def with_solutions(bundle_root: Path, root: Path, dest: Path) -> Path:
    """A copy of the bundle whose exercises/ hold the reference solutions."""
    shutil.copytree(bundle_root, dest)
    for path in (root / "solutions").glob("ex*.py"):
        shutil.copy(path, dest / "exercises" / path.name)
    return dest


# ----------------------------------------------------------------------------- computing the rows

def test_stub_rows_pick_the_outcome_that_matters_and_count_hidden_checks():
    def c(stub, outcome):
        return CheckResult("ex05_no_grad", stub, "t", outcome, 0.0, 1.0, True, "msg")

    result = SubmissionResult("s", (c("eval_no_grad", Outcome.PASSED), c("eval_no_grad", Outcome.WRONG),
                                    c("detach", Outcome.NOT_IMPLEMENTED), c("detach", Outcome.CRASHED)))
    counts = {"ex05_no_grad.eval_no_grad": {"visible": 2, "hidden": 3},
              "ex05_no_grad.detach": {"visible": 2, "hidden": 1}, "ex05_no_grad.other": {"visible": 0, "hidden": 4}}
    rows = stub_rows(result, counts, list(counts))
    assert [(r.stub, r.outcome, r.passed, r.visible, r.hidden) for r in rows] == [
        ("eval_no_grad", Outcome.WRONG, 1, 2, 3), ("detach", Outcome.NOT_IMPLEMENTED, 0, 2, 1),
        ("other", None, 0, 0, 4)]


def test_counts_come_from_the_manifest_in_a_bundle_and_from_the_graders_for_instructors(bundle, root):
    in_bundle = rel.check_counts(load_course(bundle.root))
    assert in_bundle == manifest(bundle.root)
    in_course = rel.check_counts(load_course(root))
    assert list(in_course) == list(in_bundle)
    assert all(in_course[q]["visible"] + in_course[q]["hidden"] == c["visible"] + c["hidden"]
               for q, c in in_bundle.items())


# ----------------------------------------------------------------------------- through the CLI, in the bundle

def test_unknown_chapter_says_did_you_mean(bundle):
    out = run_check(bundle.root, "ex5", "--lang", "en")
    assert out.returncode == 2
    assert "did you mean 'ex05_no_grad'" in out.stderr
    korean = run_check(bundle.root, "ex5", "--lang", "ko")        # the course's language, by default
    assert korean.returncode == 2
    assert "'ex05_no_grad'" in korean.stderr and "did you mean" not in korean.stderr, korean.stderr


def _zygotes_since(t0: float) -> list:
    import psutil

    found = []
    for p in psutil.process_iter(["cmdline", "create_time"]):
        cmd = p.info["cmdline"] or []
        if "torchdrill.sandbox.zygote" in cmd and (p.info["create_time"] or 0) >= t0 - 1:
            found.append(p)
    return found


def test_a_failed_check_leaves_no_zygote_behind(bundle, tmp_path):
    """check starts its zygote before it reads the course: when the command then fails, that
    process has ended and its folder is gone by the time the command returns (an orphaned zygote
    would end by itself a little later, its folder never)."""
    import time

    temp = tmp_path / "temp"             # the command's temporary folders, to see what it leaves
    temp.mkdir()
    env = {**ENV, "TMPDIR": str(temp)}
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "course.yml").write_text("chapters: [\n")
    for cwd, args, code in ((bundle.root, ("ex5",), 2), (broken, (), 3)):      # a name, a course error
        t0 = time.time()
        assert run_check(cwd, *args, "--lang", "en", env=env).returncode == code
        assert _zygotes_since(t0) == []
        assert list(temp.iterdir()) == []


@pytest.mark.slow
def test_untouched_bundle_is_not_implemented_yet_everywhere(bundle):
    out = run_check(bundle.root, "--lang", "en")
    assert out.returncode == 1, out.stdout + out.stderr
    counts = manifest(bundle.root)
    visible = sum(c["visible"] for c in counts.values())
    hidden = sum(c["hidden"] for c in counts.values())
    rows = [line for line in out.stdout.splitlines() if line.startswith("│")]
    with_checks = [r for r in rows if "/" in r.split("│")[3]]
    assert len(with_checks) == sum(1 for c in counts.values() if c["visible"])
    assert all("not implemented yet" in r for r in with_checks)
    assert "Checking exercises/ against the visible checks" in out.stdout
    assert f"0 of {visible} visible checks passed. {hidden} more checks are hidden and run when your work is " \
           "graded." in out.stdout
    assert "passed." not in out.stdout.replace("checks passed.", "")
    assert "Traceback" not in out.stdout + out.stderr


@pytest.mark.slow
def test_solutions_pass_every_visible_check_and_the_hidden_ones_are_counted(bundle, root, tmp_path):
    student = with_solutions(bundle.root, root, tmp_path / "student")
    out = run_check(student, "--lang", "ko")
    assert out.returncode == 0, out.stdout + out.stderr
    hidden = sum(c["hidden"] for c in manifest(bundle.root).values())
    assert f"공개된 검사를 모두 통과했습니다. 숨겨진 검사 {hidden}개가 더 있고, 제출한 과제를 채점할 때 실행됩니다." \
        in out.stdout
    assert "틀린 답" not in out.stdout and "아직 구현하지 않음" not in out.stdout


@pytest.mark.slow
def test_one_stub_wrong_one_crashing_teach_with_expected_got_hint_and_own_lines(bundle, tmp_path):
    work = tmp_path / "mine"
    work.mkdir()
    stub = (bundle.root / "exercises" / "ex05_no_grad.py").read_text()
    todo = '    raise NotImplementedError("아직 구현하지 않았습니다 / not implemented yet")'
    first, second, rest = stub.split(todo)
    (work / "ex05_no_grad.py").write_text(first + "    return f(x).detach()" + second
                                          + "    scale = 1 / 0\n    return y.detach() * scale" + rest)
    out = run_check(bundle.root, "ex05_no_grad", "--dir", str(work), "--lang", "en")
    assert out.returncode == 1
    text = out.stdout
    assert "│ eval_no_grad │ wrong answer      │" in text and "│ detach       │ your code crashed │" in text
    assert "✗ eval_no_grad: the lecture's example: value, no grad (wrong answer)" in text
    assert "    expected: " in text and "    got:      " in text and "    hint: " in text
    assert "    detach raised ZeroDivisionError: division by zero\n    where (your code):\n" in text
    crash_line = next(i for i, line in enumerate((work / "ex05_no_grad.py").read_text().splitlines(), 1)
                      if "1 / 0" in line)
    assert f"      line {crash_line}, in detach: scale = 1 / 0" in text
    assert "grading/" not in text and "torchdrill/" not in text        # no grader or engine frames
    hidden = sum(c["hidden"] for q, c in manifest(bundle.root).items() if q.startswith("ex05_no_grad."))
    visible = sum(c["visible"] for q, c in manifest(bundle.root).items() if q.startswith("ex05_no_grad."))
    assert f"0 of {visible} visible checks passed. {hidden} more checks are hidden" in text


@pytest.mark.slow
def test_one_stub_only(bundle, root, tmp_path):
    student = with_solutions(bundle.root, root, tmp_path / "student")
    out = run_check(student, "ex05_no_grad.detach", "--lang", "en")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "│ detach " in out.stdout and "eval_no_grad" not in out.stdout
    c = manifest(bundle.root)["ex05_no_grad.detach"]
    assert f"All visible checks passed. {c['hidden']} more checks are hidden and run when your work is graded." \
        in out.stdout


# ----------------------------------------------------------------------------- a new student, a fresh machine

@pytest.fixture(scope="module")
def installed(bundle, tmp_path_factory):
    """The bundle installed the README's way (bash install.sh) into a fresh venv of its own.
    TORCH_INDEX_URL= lets pip use this machine's own package settings for torch."""
    student = tmp_path_factory.mktemp("fresh") / "student"
    shutil.copytree(bundle.root, student)
    env = {k: v for k, v in ENV.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTEST_DISABLE_PLUGIN_AUTOLOAD")}
    env["TORCH_INDEX_URL"] = ""
    env["PYTHON"] = shutil.which("python3") or sys.executable
    done = subprocess.run(["bash", "install.sh"], cwd=student, env=env, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "torchdrill 0.1.0" in done.stdout
    return student, env


@pytest.mark.slow
def test_fresh_install_checks_the_untouched_bundle_then_the_solutions(installed, root):
    student, env = installed
    exe = [str(student / ".venv" / "bin" / "torchdrill")]
    probe = subprocess.run([str(student / ".venv" / "bin" / "python"), "-c",
                            "import torchdrill, sys; print(torchdrill.__file__)"], capture_output=True, text=True,
                           env=env)
    assert str(student / ".venv") in probe.stdout                      # the wheel, not the repo
    out = run_check(student, env=env, exe=exe)
    assert out.returncode == 1, out.stdout + out.stderr
    counts = manifest(student)
    visible = sum(c["visible"] for c in counts.values())
    rows = [line for line in out.stdout.splitlines() if line.startswith("│") and "/" in line.split("│")[3]]
    assert len(rows) == sum(1 for c in counts.values() if c["visible"])
    assert all("아직 구현하지 않음" in r for r in rows)
    assert f"공개된 검사 {visible}개 중 0개를 통과했습니다." in out.stdout
    for path in (root / "solutions").glob("ex*.py"):
        shutil.copy(path, student / "exercises" / path.name)
    out = run_check(student, "--lang", "en", env=env, exe=exe)
    assert out.returncode == 0, out.stdout + out.stderr
    hidden = sum(c["hidden"] for c in manifest(student).values())
    assert f"All visible checks passed. {hidden} more checks are hidden and run when your work is graded." \
        in out.stdout
