"""submission: staging turns what a student handed in into one plain file per chapter, or says why not.

Notes are checked by what they are about (their ``name`` parameter) rather than by their wording.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from torchdrill.submission import (
    MAX_FILE_BYTES,
    code_cells_to_source,
    display_name,
    is_autograder_test_cell,
    notebook_to_source,
    stage,
)

CHAPTERS = ["ex01_tensors", "ex02_tensor_ops", "ex07_optimization"]
STUBS = {"ex01_tensors": {"make_tensor", "zeros"}, "ex02_tensor_ops": {"add"}, "ex07_optimization": {"train"}}


def _write(path: Path, text: str = "def make_tensor():\n    return 1\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _notebook(path: Path, cells: list[dict]) -> Path:
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"id": f"c{i}", "metadata": {}, "execution_count": None, "outputs": [], **c} if c["cell_type"] == "code"
        else {"id": f"c{i}", "metadata": {}, **c} for i, c in enumerate(cells)]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def _about(staged) -> list[str]:
    return [str(m.param("name", "")) for m in staged.note_msgs]


@pytest.fixture
def into(tmp_path: Path) -> Path:
    d = tmp_path / "stage"
    d.mkdir()
    return d


def test_a_folder_laid_out_like_exercises_stages_each_chapter(tmp_path: Path, into: Path) -> None:
    sub = tmp_path / "alice"
    _write(sub / "ex01_tensors.py", "A = 1\n")
    _write(sub / "nested" / "ex02_tensor_ops.py", "B = 2\n")
    _write(sub / "notes.txt", "not python")
    _write(sub / ".hidden" / "ex07_optimization.py")
    staged = stage(sub, into, CHAPTERS)
    assert set(staged.files) == {"ex01_tensors", "ex02_tensor_ops"}
    assert staged.files["ex01_tensors"] == into / "ex01_tensors.py"
    assert (into / "ex01_tensors.py").read_text() == "A = 1\n"
    assert (into / "ex02_tensor_ops.py").stat().st_mode & 0o777 == 0o644
    assert staged.note_msgs == [] and staged.notes == []


def test_a_lone_file_is_placed_by_its_name_or_by_the_stubs_it_defines(tmp_path: Path, into: Path) -> None:
    by_name = stage(_write(tmp_path / "my_ex07_optimization.py"), into, CHAPTERS)
    assert set(by_name.files) == {"ex07_optimization"}
    by_stubs = stage(_write(tmp_path / "homework.py", "def add(a, b):\n    return a + b\n"), into, CHAPTERS,
                     stubs_by_chapter=STUBS)
    assert set(by_stubs.files) == {"ex02_tensor_ops"}
    unknown = stage(_write(tmp_path / "homework2.py", "x = 1\n"), into, CHAPTERS, stubs_by_chapter=STUBS)
    assert unknown.files == {} and _about(unknown) == ["homework2.py"]


def test_a_notebook_keeps_its_code_cells_with_magics_commented_out(tmp_path: Path, into: Path) -> None:
    nb = _notebook(tmp_path / "ex01_tensors.ipynb", [
        {"cell_type": "markdown", "source": "# title"},
        {"cell_type": "code", "source": "%matplotlib inline\nimport torch"},
        {"cell_type": "code", "source": "def zeros():\n    !ls\n    return 0",
         },
        {"cell_type": "code", "source": "assert zeros() == 0",
         "metadata": {"nbgrader": {"grade": True, "solution": False}}},
    ])
    staged = stage(nb, into, CHAPTERS)
    text = staged.files["ex01_tensors"].read_text()
    assert "# --- cell 1\n# %matplotlib inline\nimport torch" in text
    assert "#     !ls" in text and "# --- cell 2" in text
    assert "assert zeros()" not in text and "# title" not in text


def test_a_broken_notebook_is_the_students_note_not_a_crash(tmp_path: Path, into: Path) -> None:
    bad = _write(tmp_path / "ex01_tensors.ipynb", "{ not json")
    staged = stage(bad, into, CHAPTERS)
    assert staged.files == {} and _about(staged) == ["ex01_tensors.ipynb"]
    assert staged.note_msgs[0].param("err")


def test_links_special_and_large_files_are_skipped_with_a_note(tmp_path: Path, into: Path) -> None:
    sub = tmp_path / "mallory"
    sub.mkdir()
    os.symlink("/etc/passwd", sub / "ex01_tensors.py")
    target = _write(tmp_path / "elsewhere.py")
    os.link(target, sub / "ex02_tensor_ops.py")
    os.mkfifo(sub / "ex07_optimization.py")
    staged = stage(sub, into, CHAPTERS)
    assert staged.files == {}
    assert sorted(_about(staged)) == ["ex01_tensors.py", "ex02_tensor_ops.py", "ex07_optimization.py"]
    big = tmp_path / "big" / "ex01_tensors.py"
    big.parent.mkdir()
    with open(big, "wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)
    staged = stage(big.parent, into, CHAPTERS)
    assert staged.files == {} and staged.note_msgs[0].param("mb") == MAX_FILE_BYTES >> 20


def test_a_symlinked_or_missing_submission_is_said_plainly(tmp_path: Path, into: Path) -> None:
    os.symlink(tmp_path, tmp_path / "link")
    assert _about(stage(tmp_path / "link", into, CHAPTERS)) == ["link"]
    assert _about(stage(tmp_path / "missing", into, CHAPTERS)) == ["missing"]


def test_a_chapter_found_twice_keeps_the_first(tmp_path: Path, into: Path) -> None:
    sub = tmp_path / "bob"
    _write(sub / "ex01_tensors.py", "FIRST = 1\n")
    _write(sub / "deeper" / "ex01_tensors.py", "SECOND = 1\n")
    staged = stage(sub, into, CHAPTERS)
    assert staged.files["ex01_tensors"].read_text() == "FIRST = 1\n"
    assert [m.param("chapter") for m in staged.note_msgs] == ["ex01_tensors"]


def test_a_source_too_deep_for_the_parser_is_the_students_problem(tmp_path: Path, into: Path) -> None:
    deep = _write(tmp_path / "homework.py", "x = " + "(" * 100_000 + ")" * 100_000 + "\n")
    staged = stage(deep, into, CHAPTERS, stubs_by_chapter=STUBS)
    assert staged.files == {} and _about(staged) == ["homework.py"]


def test_notes_render_in_the_staging_language(tmp_path: Path, into: Path) -> None:
    staged = stage(tmp_path / "missing", into, CHAPTERS, lang="ko")
    assert staged.notes == [staged.note_msgs[0].render("ko")]
    assert "missing" in staged.notes[0]


def test_code_cells_to_source_and_autograder_cells() -> None:
    text = code_cells_to_source(["a = 1", "!pip install x"])
    assert text == "# --- cell 0\na = 1\n\n# --- cell 1\n# !pip install x\n"
    assert code_cells_to_source(["a"], [5]).startswith("# --- cell 5\n")
    assert is_autograder_test_cell({"metadata": {"nbgrader": {"grade": True, "solution": False}}})
    assert not is_autograder_test_cell({"metadata": {"nbgrader": {"grade": True, "solution": True}}})
    assert not is_autograder_test_cell({"metadata": {}})
    assert not is_autograder_test_cell({"metadata": {"nbgrader": "garbage"}})


def test_notebook_to_source_refuses_an_invalid_notebook() -> None:
    from nbformat import ValidationError

    with pytest.raises(ValidationError):
        notebook_to_source(json.dumps({"cells": "not a list"}).encode())


@pytest.mark.parametrize(("name", "shown"), [
    ("alice", "alice"), ("ex07.py", "ex07"), ("work.ipynb", "work"), ("한글 이름", "한글 이름"),
])
def test_display_name_keeps_a_safe_name_without_its_suffix(name: str, shown: str) -> None:
    assert display_name(Path("/x") / name) == shown


def test_display_name_maps_an_unsafe_name_to_a_stable_safe_one() -> None:
    odd = Path(os.fsdecode(b"/x/bad\xff\x1b[31m.py"))
    first = display_name(odd)
    assert first == display_name(odd) and "\x1b" not in first and first.isprintable()
    assert first != display_name(Path(os.fsdecode(b"/x/bad\xfe\x1b[31m.py")))
    assert display_name(Path("/x/.py")).startswith("submission")
