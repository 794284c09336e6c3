"""Student notebooks: ``notebooks/<chapter>.ipynb`` in the release bundle, executed for real.

Each released notebook runs in a real Jupyter kernel (nbclient), from the bundle's own
``notebooks/`` folder: untouched, every check cell shows its stub as not implemented yet; with the
solutions pasted into the stub cells, every visible check passes; no cell raises either way.  A
finished notebook is then graded as a submission by ``torchdrill grade``.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from torchdrill import release as rel
from torchdrill.course import load_course
from torchdrill.nbgrader.export import read_solution
from torchdrill.notebook_check import CellLog, find_course, is_check_cell
from torchdrill.notebooks import CHECK_MAGIC, build_notebook
from torchdrill.render.gradescope import outcome_label
from torchdrill.results import Outcome
from torchdrill.submission import notebook_to_source

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")


@pytest.fixture(scope="module")
def course(root):
    return load_course(root)


@pytest.fixture(scope="module")
def bundle(course, tmp_path_factory):
    return rel.release(course, tmp_path_factory.mktemp("nb") / "student")


# ----------------------------------------------------------------------------- built without a kernel

def test_notebook_cells_follow_the_single_source(course, root):
    chapter = course.chapter("ex05_no_grad")
    nb = build_notebook(course, chapter)
    nbformat.validate(nb)
    ids = [c.id for c in nb.cells]
    assert ids == ["intro", "load", "setup", "eval_no_grad-explain", "eval_no_grad", "eval_no_grad-check",
                   "detach-explain", "detach", "detach-check"]
    cells = {c.id: c for c in nb.cells}
    stub = (root / "exercises" / "ex05_no_grad.py").read_text()
    assert cells["detach"].source + "\n" in stub and "raise NotImplementedError" in cells["detach"].source
    assert "미분 추적 금지" in cells["intro"].source and "Stopping gradient tracking" in cells["intro"].source
    assert "과제 / Task" in cells["detach-explain"].source
    assert cells["detach-check"].source.endswith(f"%{CHECK_MAGIC} ex05_no_grad.detach")
    assert cells["detach-check"].metadata["editable"] is False
    assert build_notebook(course, chapter) == nb                          # fixed ids: the same every time


def test_a_notebook_as_a_submission_is_its_stubs_only(course):
    """``torchdrill grade`` comments the magics out: the load and check cells weigh nothing."""
    nb = build_notebook(course, course.chapter("ex05_no_grad"))
    source = notebook_to_source(nbformat.writes(nb).encode())
    compile(source, "nb", "exec")
    assert "\n%" not in source and "# %torchdrill_check ex05_no_grad.detach" in source
    assert source.count("def detach(") == 1 and source.count("def eval_no_grad(") == 1


def test_the_cell_log_keeps_the_latest_code_of_each_cell():
    log = CellLog(["", "import torch", "%torchdrill_check ex01_tensors.zeros"])
    log.add("def f():\n    raise NotImplementedError", cell_id="a")
    log.add("x = 1")
    log.add("def f():\n    return 1", cell_id="a")               # the same cell run again
    log.add("# check\n%load_ext torchdrill.notebook_check\n%torchdrill_check ex01_tensors.zeros", cell_id="c")
    assert log.sources() == ["import torch", "def f():\n    return 1", "x = 1"]
    assert is_check_cell("%torchdrill_check a.b") and not is_check_cell("print('%torchdrill_check')")


def test_the_course_is_found_from_the_notebooks_folder(bundle, monkeypatch):
    monkeypatch.delenv("TORCHDRILL_COURSE", raising=False)
    assert find_course(bundle.root / "notebooks") == bundle.root / "course.yml"
    monkeypatch.setenv("TORCHDRILL_COURSE", str(bundle.root))
    assert find_course(Path("/")) == bundle.root / "course.yml"


def test_the_bundle_has_a_notebook_per_chapter_and_no_outputs(bundle, course):
    assert sorted(f for f in bundle.files if f.startswith("notebooks/")) == \
        sorted(f"notebooks/{c.id}.ipynb" for c in course.chapters)
    for chapter in course.chapters:
        nb = nbformat.read(bundle.root / "notebooks" / f"{chapter.id}.ipynb", as_version=4)
        nbformat.validate(nb)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
        checks = [c for c in nb.cells if c.cell_type == "code" and is_check_cell(c.source)]
        assert [c.metadata["torchdrill"]["check"] for c in checks] == [chapter.qualname(s) for s in chapter.stubs]


# ----------------------------------------------------------------------------- executed in a real kernel

def _client(nb, folder: Path):
    return nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                   resources={"metadata": {"path": str(folder)}})


def _checks(nb) -> dict[str, tuple[dict, str]]:
    """check cell's target -> (its torchdrill display metadata, its text)."""
    out = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.source
        if is_check_cell(cell.source):
            shown = [o for o in cell.outputs if o.output_type == "display_data"]
            assert len(shown) == 1, cell.outputs
            assert not [o for o in cell.outputs if o.output_type == "stream"], cell.outputs   # no "already loaded"
            data = shown[0]["data"]
            assert "<pre" in data["text/html"] and data["text/plain"]
            out[cell.metadata["torchdrill"]["check"]] = (shown[0]["metadata"]["torchdrill"], data["text/plain"])
    return out


def _solutions(root, chapter) -> dict[str, str]:
    """stub -> the reference solution's function, as a student would paste it into the stub cell."""
    _doc, pieces = read_solution(root / "solutions" / chapter.filename, chapter)
    return {chapter.qualname(p.name): p.source.rstrip("\n") for p in pieces if p.kind == "stub"}


@pytest.mark.slow
def test_released_notebooks_untouched_say_not_implemented_and_solved_pass(bundle, course, root):
    """Each notebook runs top to bottom as released; then, in the same kernel, every stub cell gets
    the solution and is run again with its check cell, as a student works (one kernel a chapter)."""
    manifest = json.loads((bundle.root / "graders" / "release.json").read_text())["checks"]
    not_yet = outcome_label(Outcome.NOT_IMPLEMENTED, course.language)
    for chapter in course.chapters:
        path = bundle.root / "notebooks" / f"{chapter.id}.ipynb"
        nb = nbformat.read(path, as_version=4)
        client = _client(nb, path.parent)
        with client.setup_kernel():
            for i, cell in enumerate(nb.cells):
                client.execute_cell(cell, i)                  # raises CellExecutionError when a cell raises
            untouched = _checks(nb)
            solution = _solutions(root, chapter)
            for i, cell in enumerate(nb.cells):
                stub = cell.metadata.get("torchdrill", {}).get("stub")
                if stub:
                    cell.source = solution[stub]
                if stub or is_check_cell(cell.source):
                    client.execute_cell(cell, i)
            solved = _checks(nb)
        assert list(untouched) == list(solved) == [chapter.qualname(s) for s in chapter.stubs]
        for qual, (meta, text) in untouched.items():
            assert meta["target"] == qual and meta["ok"] is False, (qual, text)
            assert len(meta["checks"]) == manifest[qual]["visible"] > 0, (qual, text)
            assert {c["outcome"] for c in meta["checks"]} == {"not_implemented"}, (qual, text)
            assert not_yet in text and f"숨겨진 검사 {manifest[qual]['hidden']}개" in text, text
        for qual, (meta, text) in solved.items():
            assert meta["ok"] is True, (qual, text)
            assert {c["outcome"] for c in meta["checks"]} == {"passed"}, (qual, text)
            assert len(meta["checks"]) == manifest[qual]["visible"], (qual, text)


@pytest.mark.slow
def test_a_finished_notebook_is_a_valid_submission(bundle, course, root, tmp_path):
    chapter = course.chapter("ex05_no_grad")
    nb = nbformat.read(bundle.root / "notebooks" / f"{chapter.id}.ipynb", as_version=4)
    solution = _solutions(root, chapter)
    for cell in nb.cells:
        stub = cell.metadata.get("torchdrill", {}).get("stub")
        if stub:
            cell.source = solution[stub]
    submission = tmp_path / "submission"            # a folder, as Gradescope's /autograder/submission
    submission.mkdir()
    nbformat.write(nb, submission / f"{chapter.id}.ipynb")
    out = tmp_path / "results.json"
    run = subprocess.run([sys.executable, "-m", "torchdrill", "grade", str(submission), "--json", str(out), "--course",
                          str(root), "--only", chapter.id, "--device", "cpu"], capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads(out.read_text())
    assert results["score"] == chapter.total and {t["status"] for t in results["tests"]} == {"passed"}
