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
    assert '"$PIP" install -q torch==2.13.0' in setup and "download.pytorch.org/whl/cpu" in setup
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
    assert r["score"] == 0 and r["tests"][0]["max_score"] == POINTS and "조교" in r["output"]


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
