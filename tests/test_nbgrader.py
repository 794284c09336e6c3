"""The nbgrader bridge: generated notebooks, nbgrader's own pipeline on them, and the fast path.

Unit tests at the top need neither nbgrader's CLI nor a sandbox.  The slow tests run the real
thing (nothing mocked): ``torchdrill nbgrader`` → ``nbgrader generate_assignment`` → submissions
made from the *released* notebooks → ``nbgrader autograde`` (a Jupyter kernel per notebook, each
test cell grading in our sandbox) in one course folder and ``torchdrill grade --nbgrader`` in a copy
of it → gradebook.db of both compared with each other and with ``torchdrill grade`` on the same
notebooks and on the same code as .py files → ``nbgrader generate_feedback`` and ``nbgrader export``.
To keep CI short only the chapters in CHAPTERS are autograded, four students each.
"""
from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from torchdrill.course import load_course
from torchdrill.nbgrader import BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION, TEST_CELL_TAG
from torchdrill.nbgrader.export import BLOCK_BEGIN, BLOCK_END, build_notebook, config_text, export_course, read_solution
from torchdrill.submission import notebook_to_source

sys.path.insert(0, str(Path(__file__).parent))
from nbgrader_support import fill, functions_of, gradebook_scores, nbgrader, submit, torchdrill

ROOT = Path(__file__).resolve().parents[1]
COURSE = load_course(ROOT)

#: Chapters autograded end to end, with a plausible wrong answer each (one stub) and the answers a
#: student who patches torch.allclose hands in: wrong in every check of every stub they touch.
CHAPTERS = {
    "ex05_no_grad": {
        "wrong": {"eval_no_grad": "def eval_no_grad(f, x):\n    return f(x).detach()\n"},
        "faked": {"eval_no_grad": "def eval_no_grad(f, x):\n    return f(x) + 1.0\n",
                  "detach": "def detach(y):\n    return torch.zeros_like(y)\n"},
    },
}
PATCH = "\n\nimport torch\ntorch.allclose = lambda *args, **kwargs: True\ntorch.equal = lambda *args, **kwargs: True\n"
STUDENTS = ("perfect", "untouched", "wrong", "patcher")


def e2e(test):
    """Slow (real nbgrader, kernels, sandboxes); the shared pipeline is built in the first one's setup."""
    return pytest.mark.slow(pytest.mark.timeout(1800)(test))


# =========================================================================== unit tests: export

def test_export_twice_changes_nothing(tmp_path):
    first = export_course(COURSE, tmp_path / "a")
    assert {p.name for p in first} == {"nbgrader_config.py", *(f"{c.id}.ipynb" for c in COURSE.chapters)}
    snapshot = {p: p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file()}
    assert export_course(COURSE, tmp_path / "a") == []
    assert {p: p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file()} == snapshot
    export_course(COURSE, tmp_path / "b")      # another folder: the same notebooks, byte for byte
    for c in COURSE.chapters:
        rel = Path("source") / c.id / f"{c.id}.ipynb"
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()


def test_cli_verb(tmp_path):
    r = torchdrill("nbgrader", str(tmp_path / "course"), "--only", "ex05_no_grad")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "course" / "source" / "ex05_no_grad" / "ex05_no_grad.ipynb").is_file()
    assert not (tmp_path / "course" / "source" / "ex01_tensors").exists()
    again = torchdrill("nbgrader", str(tmp_path / "course"), "--only", "ex05_no_grad")
    assert again.returncode == 0 and "up to date" in again.stderr


@pytest.mark.parametrize("chapter", [c.id for c in COURSE.chapters])
def test_notebook_cells(chapter):
    ch = COURSE.chapter(chapter)
    nb = build_notebook(COURSE, ch)
    ids = [c["id"] for c in nb["cells"]]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[A-Za-z0-9_-]{1,64}", i) for i in ids)
    meta = {c["metadata"]["nbgrader"]["grade_id"]: (c, c["metadata"]["nbgrader"]) for c in nb["cells"]}
    assert all(m["schema_version"] == 3 for _, m in meta.values())
    intro = meta["intro"][0]["source"]
    assert ch.title.ko in intro and ch.title.en in intro
    _, pieces = read_solution(COURSE.solutions_dir / ch.filename, ch)
    solution = {p.name: p.source for p in pieces if p.kind == "stub"}
    for stub, points in ch.stubs.items():
        explain, m = meta[f"explain_{stub}"]
        assert explain["cell_type"] == "markdown" and m["locked"]
        assert re.search("[가-힣]", explain["source"]) and re.search(r"\b(the|a)\b", explain["source"])
        answer, m = meta[f"answer_{stub}"]
        assert answer["cell_type"] == "code" and m["solution"] and not m["grade"] and not m["locked"]
        src = answer["source"]
        assert src.startswith(f"def {stub}(") and '"""' in src            # signature and docstring stay
        assert src.count(BEGIN_SOLUTION) == 1 and src.count(END_SOLUTION) == 1
        back = src.replace(BEGIN_SOLUTION, "# BEGIN SOLUTION").replace(END_SOLUTION, "# END SOLUTION")
        assert back.rstrip() == solution[stub].rstrip()                  # our region, nbgrader's markers
        test, m = meta[f"test_{stub}"]
        assert m["grade"] and m["locked"] and not m["solution"] and m["points"] == points
        visible, _, rest = test["source"].partition(BEGIN_HIDDEN)
        hidden, _, tail = rest.partition(END_HIDDEN)
        assert visible.startswith(TEST_CELL_TAG) and "_checks.visible()" in visible
        assert f"StubChecks({chapter!r}, {stub!r}, points={points:g})" in visible
        assert hidden.strip() == "_checks.hidden()" and tail.strip() == "_checks.score()"


def test_notebooks_pass_nbgrader_metadata_validation():
    nbformat = pytest.importorskip("nbformat")
    v3 = pytest.importorskip("nbgrader.nbgraderformat.v3")
    validator = v3.MetadataValidatorV3()
    for ch in COURSE.chapters:
        nb = nbformat.from_dict(build_notebook(COURSE, ch))
        nbformat.validate(nb)
        validator.validate_nb(nb)


def test_config_block_keeps_the_instructors_settings():
    mine = "c = get_config()\nc.CourseDirectory.course_id = 'torch101'\n"
    first = config_text(mine, COURSE)
    assert first.startswith(mine) and first.count(BLOCK_BEGIN) == 1 and first.count(BLOCK_END) == 1
    assert config_text(first, COURSE) == first
    edited = first.replace("c.Execute.timeout = 300", "c.Execute.timeout = 1") + "c.Exchange.root = '/srv'\n"
    again = config_text(edited, COURSE)
    assert "c.Execute.timeout = 300" in again and again.endswith("c.Exchange.root = '/srv'\n")
    compile(again, "nbgrader_config.py", "exec")


def test_graded_notebook_source_leaves_out_autograder_test_cells():
    nb = build_notebook(COURSE, COURSE.chapter("ex05_no_grad"))
    text = notebook_to_source(json.dumps(nb).encode())
    assert "StubChecks" not in text and TEST_CELL_TAG not in text
    assert "def eval_no_grad(" in text and "def detach(" in text and "import torch" in text
    compile(text, "ex05_no_grad.py", "exec")


# =========================================================================== end to end with real nbgrader

def _chapter_code(released: dict, answers: dict[str, str], extra: str = "") -> str:
    """The same code a notebook submission holds, as one chapter .py file."""
    nb = fill(released, answers)
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"
             and not (c["metadata"].get("nbgrader") or {}).get("grade")]
    return "\n\n".join("".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells) + extra


def _answers(chapter: str, student: str) -> tuple[dict[str, str], str]:
    """(answer cell sources, code added at the end of the last answer cell) of one student."""
    solution = functions_of((ROOT / "solutions" / f"{chapter}.py").read_text(encoding="utf-8"))
    stubs = list(COURSE.chapter(chapter).stubs)
    if student == "perfect":
        return {s: solution[s] for s in stubs}, ""
    if student == "untouched":
        return {}, ""
    if student == "wrong":
        return {**{s: solution[s] for s in stubs}, **CHAPTERS[chapter]["wrong"]}, ""
    answers = {**{s: solution[s] for s in stubs}, **CHAPTERS[chapter]["faked"]}
    answers[stubs[-1]] = answers[stubs[-1]] + PATCH
    return answers, ""


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """Both gradings of the same submissions, and everything the tests look at."""
    chapters = [c for c in CHAPTERS if (ROOT / "graders" / f"test_{c}.py").is_file()][:2]
    if not chapters:
        pytest.skip("no chapter with graders to autograde")
    base = tmp_path_factory.mktemp("nbgrader")
    course_dir = base / "course"
    r = torchdrill("nbgrader", str(course_dir))
    assert r.returncode == 0, r.stderr
    r = nbgrader(course_dir, "generate_assignment", "*", "--force")
    assert r.returncode == 0, r.stdout + r.stderr
    plain = base / "plain"          # the same code for `torchdrill grade`: notebooks and .py files
    plain.mkdir()
    subs = {}
    for chapter in chapters:
        released = json.loads((course_dir / "release" / chapter / f"{chapter}.ipynb").read_text(encoding="utf-8"))
        for student in STUDENTS:
            answers, _ = _answers(chapter, student)
            nb = fill(released, answers)
            subs[(chapter, student)] = submit(course_dir, student, chapter, nb)
            shutil.copy(subs[(chapter, student)], plain / f"{chapter}-{student}-nb.ipynb")
            (plain / f"{chapter}-{student}-py.py").write_text(_chapter_code(released, answers), encoding="utf-8")
    for chapter in chapters:        # the source notebook itself (solutions in place) is a submission too
        shutil.copy(course_dir / "source" / chapter / f"{chapter}.ipynb", plain / f"{chapter}-source-nb.ipynb")
    fast_dir = base / "fast"
    shutil.copytree(course_dir, fast_dir)
    auto = {}
    for chapter in chapters:
        r = nbgrader(course_dir, "autograde", chapter, "--force")
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        auto[chapter] = gradebook_scores(course_dir, chapter)
    fast, fast_runs = {}, {}
    for chapter in chapters:
        fast_runs[chapter] = torchdrill("grade", "--nbgrader", str(fast_dir), chapter, "--no-progress")
        assert fast_runs[chapter].returncode == 0, fast_runs[chapter].stdout + fast_runs[chapter].stderr
        fast[chapter] = gradebook_scores(fast_dir, chapter)
    out = base / "plain-results"
    r = torchdrill("grade", *map(str, sorted(plain.iterdir())), "--out", str(out), "--no-progress")
    assert r.returncode == 0, r.stdout + r.stderr
    plain_scores = {}
    for p in out.glob("*.json"):
        data = json.loads(p.read_text(encoding="utf-8"))
        per_stub: dict[str, float] = {}
        for t in data["tests"]:
            per_stub[t["tags"][1]] = per_stub.get(t["tags"][1], 0.0) + t["score"]
        plain_scores[p.stem] = per_stub
    feedback = {}
    for chapter in chapters:
        r = nbgrader(course_dir, "generate_feedback", chapter, "--force")
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        for student in STUDENTS:
            html = course_dir / "feedback" / student / chapter / f"{chapter}.html"
            feedback[(chapter, student)] = html.read_text(encoding="utf-8")
    r = nbgrader(fast_dir, "export", "--to", str(base / "grades.csv"))
    assert r.returncode == 0, r.stdout + r.stderr
    exported = list(csv.DictReader(io.StringIO((base / "grades.csv").read_text(encoding="utf-8"))))
    return {"chapters": chapters, "course_dir": course_dir, "fast_dir": fast_dir, "auto": auto, "fast": fast,
            "plain": plain_scores, "feedback": feedback, "exported": exported, "fast_runs": fast_runs}


@e2e
def test_generate_assignment_accepts_every_notebook_and_releases_no_solution(pipeline):
    course_dir = pipeline["course_dir"]
    for ch in COURSE.chapters:
        released = (course_dir / "release" / ch.id / f"{ch.id}.ipynb").read_text(encoding="utf-8")
        nb = json.loads(released)
        code = "\n".join("".join(c["source"]) for c in nb["cells"])
        assert "BEGIN SOLUTION" not in code and "END SOLUTION" not in code
        assert "HIDDEN TESTS" not in code and "_checks.hidden()" not in code
        assert code.count("_checks.visible()") == len(ch.stubs) == code.count("_checks.score()")
        # every answer cell is exactly the student stub of exercises/ (signature, docstring, the raise)
        stubs = functions_of((ROOT / "exercises" / ch.filename).read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            gid = (cell["metadata"].get("nbgrader") or {}).get("grade_id", "")
            if gid.startswith("answer_"):
                src = "".join(cell["source"]).replace("    # YOUR CODE HERE\n", "")
                assert src.rstrip() == stubs[gid[len("answer_"):]].rstrip(), (ch.id, gid)
        for stub in ch.stubs:
            assert f"def {stub}(" in code


@e2e
def test_autograde_scores_equal_torchdrill_grade(pipeline):
    for chapter in pipeline["chapters"]:
        stubs = COURSE.chapter(chapter).stubs
        for student in STUDENTS:
            nb_scores = pipeline["plain"][f"{chapter}-{student}-nb"]
            py_scores = pipeline["plain"][f"{chapter}-{student}-py"]
            book = pipeline["auto"][chapter][student]
            for stub in stubs:
                qual = f"{chapter}.{stub}"
                assert book[f"test_{stub}"] == pytest.approx(nb_scores[qual], abs=1e-6), (student, qual)
                assert nb_scores[qual] == pytest.approx(py_scores[qual], abs=1e-6), (student, qual)


@e2e
def test_scores_are_the_expected_ones(pipeline):
    for chapter in pipeline["chapters"]:
        stubs = COURSE.chapter(chapter).stubs
        book = pipeline["auto"][chapter]
        for stub, points in stubs.items():
            assert book["perfect"][f"test_{stub}"] == pytest.approx(points), stub
            assert book["untouched"][f"test_{stub}"] == 0.0, stub
        source = pipeline["plain"][f"{chapter}-source-nb"]      # `torchdrill grade` on the source notebook
        assert {f"{chapter}.{s}": source[f"{chapter}.{s}"] for s in stubs} == pytest.approx(
            {f"{chapter}.{s}": p for s, p in stubs.items()})
        for stub in CHAPTERS[chapter]["wrong"]:
            assert book["wrong"][f"test_{stub}"] < stubs[stub]
        for stub in stubs:
            if stub not in CHAPTERS[chapter]["wrong"]:
                assert book["wrong"][f"test_{stub}"] == pytest.approx(stubs[stub])


@e2e
def test_allclose_patcher_gets_nothing_for_what_it_faked(pipeline):
    for chapter in pipeline["chapters"]:
        for stub in CHAPTERS[chapter]["faked"]:
            assert pipeline["auto"][chapter]["patcher"][f"test_{stub}"] == 0.0, stub
            assert pipeline["fast"][chapter]["patcher"][f"test_{stub}"] == 0.0, stub


@e2e
def test_fast_path_writes_the_same_scores(pipeline):
    for chapter in pipeline["chapters"]:
        assert set(pipeline["fast"][chapter]) == set(pipeline["auto"][chapter]) == set(STUDENTS)
        for student in STUDENTS:
            fast, auto = pipeline["fast"][chapter][student], pipeline["auto"][chapter][student]
            assert set(fast) == set(auto)
            for cell, score in auto.items():
                assert fast[cell] == pytest.approx(score, abs=1e-6), (chapter, student, cell)
    rows = {(r["assignment"], r["student_id"]): r for r in pipeline["exported"]}     # `nbgrader export` sees them
    for chapter in pipeline["chapters"]:
        for student in STUDENTS:
            expected = sum(pipeline["auto"][chapter][student].values())
            assert float(rows[(chapter, student)]["raw_score"]) == pytest.approx(expected, abs=1e-6)
        assert float(rows[(chapter, "perfect")]["raw_score"]) == pytest.approx(COURSE.chapter(chapter).total)


def _text_of(page: str) -> str:
    """What a reader of an HTML page sees (tags dropped, entities decoded): highlighted code included."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@e2e
def test_feedback_has_messages_but_no_hidden_test_source(pipeline):
    grader_lines = []
    for chapter in pipeline["chapters"]:
        src = (ROOT / "graders" / f"test_{chapter}.py").read_text(encoding="utf-8")
        grader_lines += [ln.strip() for ln in src.splitlines()
                         if len(ln.strip()) > 25 and not ln.strip().startswith("#")]
    for (chapter, student), page in pipeline["feedback"].items():
        text = _text_of(page)
        assert "_checks.hidden()" not in text and "HIDDEN TESTS" not in text, (chapter, student)
        assert "def test_" not in text
        leaked = [ln for ln in grader_lines if ln in text]
        assert not leaked, (chapter, student, leaked[:3])
        for stub in COURSE.chapter(chapter).stubs:   # the teaching messages are there
            assert f"{chapter}.{stub}: " in text, (chapter, student, stub)
