"""Shared fixtures for the project's own tests."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="module")
def sandbox():
    """One warm zygote for a whole test module (starting one costs ~3 s)."""
    from torchdrill.sandbox import Sandbox, SandboxLimits

    with Sandbox(SandboxLimits(call_seconds=4, cpu_seconds=2, memory_mb=512), hide=[str(ROOT / "solutions")]) as sb:
        sb.ready()
        yield sb


@pytest.fixture
def module_file(sandbox):
    """Write a student module into the sandbox's stage folder: module_file(source) -> path."""
    def write(source: str, name: str = "student.py") -> Path:
        d = sandbox.stage_dir()
        path = d / name
        path.write_text(source)
        path.chmod(0o644)
        return path
    return write


def copy_solution(root: Path, chapter: str, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(root / "solutions" / f"{chapter}.py", dest / f"{chapter}.py"))
