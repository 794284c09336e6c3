"""Building nbgrader submissions from released notebooks (tests/test_nbgrader.py, benchmarks/bench_nbgrader.py)."""
from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def functions_of(source: str) -> dict[str, str]:
    """name -> source of every top-level function in a module."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    return {n.name: "".join(lines[n.lineno - 1:n.end_lineno]).rstrip() + "\n"
            for n in tree.body if isinstance(n, ast.FunctionDef)}


def fill(released: dict, answers: dict[str, str]) -> dict:
    """A copy of a released notebook (as a dict) whose answer cells ``answer_<stub>`` hold ``answers[stub]``."""
    nb = json.loads(json.dumps(released))
    for cell in nb["cells"]:
        gid = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id", "")
        if gid.startswith("answer_") and gid[len("answer_"):] in answers:
            cell["source"] = answers[gid[len("answer_"):]]
    return nb


def nbgrader_env() -> dict[str, str]:
    """nbgrader runs `alembic` and the kernel by name: the venv's bin first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PYTHONPATH", None)
    return env


def nbgrader(course_dir: Path, *args: str, timeout: float = 1200) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "nbgrader"), *args], cwd=course_dir, env=nbgrader_env(),
                          capture_output=True, text=True, timeout=timeout)


def torchdrill(*args: str, cwd: Path = ROOT, timeout: float = 1200) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "torchdrill"), *args], cwd=cwd, env=nbgrader_env(),
                          capture_output=True, text=True, timeout=timeout)


def submit(course_dir: Path, student: str, assignment: str, nb: dict,
           timestamp: str = "2026-01-01 12:00:00.000000 UTC", *, notebook: str | None = None) -> Path:
    """Hand in ``nb`` as ``<notebook>.ipynb`` (default: named after the assignment); a notebook of
    an assignment of several keeps the student's other notebooks there."""
    folder = course_dir / "submitted" / student / assignment
    if folder.exists() and notebook is None:
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{notebook or assignment}.ipynb"
    path.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (folder / "timestamp.txt").write_text(timestamp + "\n")
    return path


def gradebook_scores(course_dir: Path, assignment: str) -> dict[str, dict[str, float | None]]:
    """student -> grade cell name -> auto_score, read through nbgrader's API."""
    from nbgrader.api import Gradebook

    out: dict[str, dict[str, float | None]] = {}
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(assignment):
            for nb in sub.notebooks:
                for g in nb.grades:
                    out.setdefault(sub.student.id, {})[g.name] = g.auto_score
    return out
