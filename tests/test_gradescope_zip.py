"""`torchdrill gradescope OUT.zip`: a Gradescope autograder, checked as Gradescope would run it.

The end-to-end tests unpack the zip into a simulated ``/autograder`` tree (the root comes from
TORCHDRILL_AUTOGRADER_ROOT), reuse this venv instead of running setup.sh (TORCHDRILL_PYTHON), run
``run_autograder`` on the solutions, the stubs and a hostile submission, and validate each
results.json against Gradescope's documented fields (RESULTS_SCHEMA below).
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from torchdrill.cli import main
from torchdrill.course import load_course
from torchdrill.errors import CourseError, UnknownNameError, UsageError
from torchdrill.gradescope_zip import build_zip, fallback_results, minimal_pyproject

ROOT = Path(__file__).resolve().parents[1]
ONLY = "ex05_no_grad"
POINTS = 4.0                      # ex05_no_grad's points in course.yml

# Gradescope's results.json, as its docs (autograder_samples docs/specs.md) list the fields.
_VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
_FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
RESULTS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "anyOf": [{"required": ["score"]}, {"required": ["tests"]}],
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "output_format": _FORMAT,
        "test_output_format": _FORMAT,
        "test_name_format": _FORMAT,
        "visibility": _VISIBILITY,
        "stdout_visibility": _VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "score": {"type": "number"},
                    "max_score": {"type": "number"},
                    "status": {"enum": ["passed", "failed"]},
                    "name": {"type": "string"},
                    "name_format": _FORMAT,
                    "number": {"type": "string"},
                    "output": {"type": "string"},
                    "output_format": _FORMAT,
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "visibility": _VISIBILITY,
                    "extra_data": {"type": "object"},
                },
            },
        },
        "leaderboard": {
            "type": "array",
            "items": {"type": "object", "required": ["name", "value"],
                      "properties": {"name": {"type": "string"}, "value": {"type": ["number", "string"]},
                                     "order": {"enum": ["asc", "desc"]}}},
        },
    },
}


def validate(results: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(RESULTS_SCHEMA)
    jsonschema.validate(results, RESULTS_SCHEMA, cls=jsonschema.Draft202012Validator)


@pytest.fixture(scope="module")
def course():
    return load_course(ROOT)


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory, course) -> Path:
    return build_zip(tmp_path_factory.mktemp("zip") / "autograder.zip", course, only=ONLY, lang="en").path


def install(zip_path: Path, root: Path) -> Path:
    """What Gradescope does when it builds the image (less setup.sh): the zip into source/,
    run_autograder copied to the root."""
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(root / "source")
        for info in z.infolist():                     # zipfile does not restore modes
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(root / "source" / info.filename, mode)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "results").mkdir()
    return root


def run_autograder(root: Path, submission: Path, *, python: str = sys.executable, timeout: int = 600) -> dict:
    shutil.copytree(submission, root / "submission")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TORCHDRILL_")}
    env.update(TORCHDRILL_AUTOGRADER_ROOT=str(root), TORCHDRILL_PYTHON=python)
    run = subprocess.run([str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True,
                         timeout=timeout)
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads((root / "results" / "results.json").read_text())


# =========================================================================== the zip

def test_zip_layout_as_gradescope_documents_it(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as z:
        names = z.namelist()
        modes = {i.filename: (i.external_attr >> 16) for i in z.infolist()}
        setup = z.read("setup.sh").decode()
        run = z.read("run_autograder").decode()
    for name in ("setup.sh", "run_autograder", "course.yml", "solutions/ex05_no_grad.py",
                 "graders/test_ex05_no_grad.py", "engine/pyproject.toml", "engine/README.md",
                 "engine/src/torchdrill/cli.py", "engine/src/torchdrill/data/report.html.j2"):
        assert name in names, name
    assert not any("__pycache__" in n or n.endswith(".pyc") or "/." in n for n in names)
    assert not any(n.startswith(("exercises/", "tests/", "examples/")) for n in names)
    assert stat.S_IMODE(modes["setup.sh"]) == stat.S_IMODE(modes["run_autograder"]) == 0o755
    assert stat.S_ISREG(modes["course.yml"]) and stat.S_IMODE(modes["course.yml"]) == 0o644
    assert setup.startswith("#!/usr/bin/env bash\n") and run.startswith("#!/usr/bin/env bash\n")
    assert '"$PIP" install -q "torch==2.13.0"' in setup
    assert 'TORCH_INDEX="${TORCHDRILL_TORCH_INDEX_URL-https://download.pytorch.org/whl/cpu}"' in setup
    assert '"$SOURCE/engine"' in setup and 'ROOT="${TORCHDRILL_AUTOGRADER_ROOT:-/autograder}"' in setup
    assert 'ROOT="${TORCHDRILL_AUTOGRADER_ROOT:-/autograder}"' in run
    assert '-m torchdrill grade "$ROOT/submission" --json "$RESULTS"' in run
    assert "--device cpu --lang en --only ex05_no_grad" in run
    for script in ("setup.sh", "run_autograder"):
        check = subprocess.run(["bash", "-n"], input={"setup.sh": setup, "run_autograder": run}[script],
                               capture_output=True, text=True)
        assert check.returncode == 0, (script, check.stderr)


def test_zip_is_reproducible(tmp_path, course, autograder_zip):
    again = build_zip(tmp_path / "again.zip", course, only=ONLY, lang="en").path
    assert again.read_bytes() == autograder_zip.read_bytes()


def test_zip_refusals_name_the_fix(tmp_path, course):
    with pytest.raises(UnknownNameError, match="did you mean 'ex05_no_grad'"):
        build_zip(tmp_path / "a.zip", course, only="ex5")
    with pytest.raises(UsageError, match=r"must be a \.zip"):
        build_zip(tmp_path / "a.tar", course, only=ONLY)
    # a course where one chapter has no grader yet
    small = tmp_path / "course"
    (small / "graders").mkdir(parents=True)
    shutil.copytree(ROOT / "solutions", small / "solutions")
    shutil.copy(ROOT / "course.yml", small / "course.yml")
    shutil.copy(ROOT / "graders" / "test_ex05_no_grad.py", small / "graders")
    with pytest.raises(CourseError, match=r"no grader for graders/test_ex01_tensors\.py.*--only CHAPTER"):
        build_zip(tmp_path / "a.zip", load_course(small))
    assert build_zip(tmp_path / "b.zip", load_course(small), only=ONLY).points == POINTS


def test_minimal_pyproject_for_an_installed_engine():
    tomllib = pytest.importorskip("tomllib")
    data = tomllib.loads(minimal_pyproject())
    assert data["project"]["name"] == "torchdrill"
    assert any(d.startswith("torch") for d in data["project"]["dependencies"])
    assert data["project"]["scripts"]["torchdrill"] == "torchdrill.cli:main"


def test_fallback_results_are_valid_gradescope_results():
    r = fallback_results(POINTS, "ko")
    validate(r)
    assert r["score"] == 0 and r["tests"][0]["max_score"] == POINTS
    assert r["output"] == "채점기 오류: 여러분의 잘못이 아닙니다. 강의 담당자에게 알려 주세요."
    assert r["tests"][0]["output"] == "[채점기 오류 (여러분의 잘못이 아님)] " + r["output"]
    english = fallback_results(POINTS, "en")["output"]
    assert english == "grader error: this is not your fault, please tell the course staff."


def test_run_autograder_writes_a_result_even_when_torchdrill_cannot_run(tmp_path, autograder_zip):
    root = install(autograder_zip, tmp_path / "autograder")
    results = run_autograder(root, ROOT / "examples" / "alice_perfect", python="/bin/false")
    validate(results)
    assert results["score"] == 0 and results["tests"][0]["max_score"] == POINTS
    assert "not your fault" in results["tests"][0]["output"]


def test_cli_gradescope(tmp_path, capsys):
    out = tmp_path / "ag.zip"
    assert main(["gradescope", str(out), "--course", str(ROOT), "--only", ONLY]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed and "4 points" in printed and "staff only" in printed
    assert "stopped after 720 s: set the Gradescope assignment's timeout above 13 minutes" in printed
    assert zipfile.ZipFile(out).testzip() is None


# =========================================================================== run as Gradescope would

@pytest.mark.slow
@pytest.mark.parametrize("submission, expected", [
    ("solutions", POINTS),
    ("exercises", 0.0),
    ("examples/mallory_hostile", 0.0),
])
def test_run_autograder_in_a_simulated_tree(tmp_path, autograder_zip, submission, expected):
    root = install(autograder_zip, tmp_path / "autograder")
    results = run_autograder(root, ROOT / submission)
    validate(results)
    assert results["score"] == expected
    tests = results["tests"]
    assert sum(t["max_score"] for t in tests) == pytest.approx(POINTS)
    assert all(t["name"].startswith(("ex05_no_grad.eval_no_grad: ", "ex05_no_grad.detach: ")) for t in tests)
    if expected == POINTS:
        assert {t["status"] for t in tests} == {"passed"}
    else:
        assert {t["status"] for t in tests} == {"failed"}
    if submission == "exercises":
        assert all(t["output"].startswith("[not implemented yet]") for t in tests)
    text = json.dumps(results)
    assert "BEGIN SOLUTION" not in text and "test_ex05_no_grad.py::" not in text    # nothing staff-only leaks


# =========================================================================== setup.sh without a clean OS
# (scripts/try_gradescope.sh runs it for real in a fresh Debian root: docs/gradescope-transcript.md)

SHIM = """#!{python}
# stands in for python3, and for the venv's python and pip: records what it was asked to do
import os, subprocess, sys
log = os.environ["SHIM_LOG"]
name, args = os.path.basename(sys.argv[0]), sys.argv[1:]
while args[:1] == ["-W"]:
    args = args[2:]
with open(log, "a") as f:
    f.write(repr([name, *args]) + "\\n")
if name == "pip":
    sys.exit(0)
if args[:2] == ["-m", "venv"]:
    bin_dir = os.path.join(args[2], "bin")
    os.makedirs(bin_dir)
    for tool in ("python", "pip"):
        os.symlink(sys.argv[0], os.path.join(bin_dir, tool))
    sys.exit(0)
if args and args[0] == "-c" and "torch.version.cuda" in args[1]:
    sys.exit(1 if os.environ.get("SHIM_CUDA") else 0)
if args and args[0] == "-c" and "import torch, torchdrill" in args[1]:
    print("setup.sh: torch 2.13.0+cpu - torchdrill (shim)")
    sys.exit(0)
if args and args[0] == "-c":
    code = args[1].replace("sys.version_info", "tuple(int(x) for x in os.environ['SHIM_VERSION'].split('.'))")
    sys.exit(subprocess.run([sys.executable, "-c", "import os\\n" + code]).returncode)
sys.exit(0)
"""


def _setup(tmp_path, autograder_zip, *, version="3.11.2", cuda=False, **env_extra):
    root = install(autograder_zip, tmp_path / "autograder")
    shim = tmp_path / "bin" / "python3"
    shim.parent.mkdir()
    shim.write_text(SHIM.format(python=sys.executable))
    shim.chmod(0o755)
    apt = tmp_path / "bin" / "apt-get"
    apt.write_text("#!/bin/sh\necho apt-get \"$@\" >> \"$SHIM_LOG\"\n")
    apt.chmod(0o755)
    log = tmp_path / "calls.log"
    env = {"PATH": f"{shim.parent}:/usr/bin:/bin", "HOME": str(tmp_path), "SHIM_LOG": str(log),
           "SHIM_VERSION": version, "TORCHDRILL_AUTOGRADER_ROOT": str(root), **env_extra}
    if cuda:
        env["SHIM_CUDA"] = "1"
    run = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True,
                         timeout=60)
    calls = [eval(line) for line in log.read_text().splitlines() if line.startswith("[")] if log.exists() else []
    return run, calls


def _pip_installs(calls):
    return [c[1:] for c in calls if c[0] == "pip"]


@pytest.mark.slow
def test_setup_sh_installs_the_cpu_build_from_pytorchs_cpu_index_by_default(tmp_path, autograder_zip):
    run, calls = _setup(tmp_path, autograder_zip)
    assert run.returncode == 0, run.stdout + run.stderr
    root = tmp_path / "autograder"
    assert _pip_installs(calls) == [
        ["install", "-q", "torch==2.13.0", "--index-url", "https://download.pytorch.org/whl/cpu"],
        ["install", "-q", f"{root}/source/engine"]]
    assert ["python3", "-m", "venv", f"{root}/venv"] in calls
    assert not any(c[0] == "apt-get" for c in calls if isinstance(c, list))     # python3 with venv: no apt
    assert "installing torch==2.13.0 (CPU build) from https://download.pytorch.org/whl/cpu" in run.stdout
    assert stat.S_IMODE((root / "source" / "graders").stat().st_mode) & 0o077 == 0


@pytest.mark.slow
def test_setup_sh_index_and_find_links_overrides_for_mirrors(tmp_path, autograder_zip):
    run, calls = _setup(tmp_path, autograder_zip, TORCHDRILL_TORCH_INDEX_URL="https://mirror.example/whl/cpu",
                        TORCHDRILL_TORCH_FIND_LINKS="/srv/wheels")
    assert run.returncode == 0, run.stdout + run.stderr
    assert _pip_installs(calls)[0] == ["install", "-q", "torch==2.13.0", "--index-url",
                                       "https://mirror.example/whl/cpu", "--find-links", "/srv/wheels"]
    run, calls = _setup(tmp_path / "again", autograder_zip, TORCHDRILL_TORCH_INDEX_URL="")
    assert run.returncode == 0, run.stdout + run.stderr
    assert _pip_installs(calls)[0] == ["install", "-q", "torch==2.13.0"]          # empty: pip's own settings


@pytest.mark.slow
def test_setup_sh_refuses_an_old_python_and_a_cuda_build_with_a_clear_message(tmp_path, autograder_zip):
    run, calls = _setup(tmp_path, autograder_zip, version="3.8.10")
    assert run.returncode == 1
    assert "torchdrill needs Python 3.10 or newer, and python3 is Python 3.8.10." in run.stderr
    assert "Ubuntu 22.04 base image" in run.stderr and not _pip_installs(calls)
    run, calls = _setup(tmp_path / "cuda", autograder_zip, cuda=True)
    assert run.returncode == 1 and "is a CUDA build" in run.stderr
    assert len(_pip_installs(calls)) == 1                                           # stopped before the engine
