"""``torchdrill release``: the student bundle carries the stubs, the visible checks and an installer,
and no solution code and no hidden check, proven by reading every byte of text it holds."""
from __future__ import annotations

import ast
import base64
import gettext
import hashlib
import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from torchdrill import catalog
from torchdrill import release as rel
from torchdrill.course import load_course
from torchdrill.errors import UsageError
from torchdrill.stubgen import _lines, find_regions, make_stub


@pytest.fixture(scope="module")
def course(root):
    return load_course(root)


@pytest.fixture(scope="module")
def bundle(course, tmp_path_factory):
    out = tmp_path_factory.mktemp("release") / "student"
    made = rel.release(course, out)
    return made


# ----------------------------------------------------------------------------- stripping hidden checks

GRADER = '''"""Graders: the hidden ones use SECRET_SHAPES."""
import math
import random
import torch
from torchdrill.grading import check, checks, make, probe
import pytest

pytestmark = pytest.mark.filterwarnings("ignore")
SECRET_SHAPES = [(7, 3), (2, 9)]
SHARED = 3.0


def _shared(x):
    return x * SHARED


def _only_hidden(x):
    # the hidden trick
    return math.sqrt(x) + random.random()


def _used_by_only_hidden_helper():
    return 1


def _chain(x):
    return _used_by_only_hidden_helper() + _only_hidden(x)


@pytest.fixture
def data():
    return torch.ones(3)


@check("add", "the example", visible=True)
def test_add_example(student, data):
    checks.expect(_shared(1) == 3.0, "shared helper works")


@check("add", "secret shapes")
def test_add_hidden(student):
    for shape in SECRET_SHAPES:
        checks.expect(_chain(4) > 0, "hidden message only")


@check("add", "needs the reference", visible=True)
def test_add_reference(student, reference):
    checks.expect(reference.add(1, 2) == 3, "reference message")


@check("add", "explicitly hidden", visible=False)
def test_add_hidden_explicit(student):
    pass


def test_not_a_check():
    assert True
'''


def test_strip_hidden_keeps_visible_checks_and_what_they_use():
    out = rel.strip_hidden(GRADER, "test_ex02_tensor_ops.py")
    tree = ast.parse(out.text)
    top = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    assert top == {"test_add_example", "_shared", "data"}
    assert "pytestmark" in out.text and "SHARED = 3.0" in out.text
    for gone in ("SECRET_SHAPES", "_only_hidden", "_chain", "_used_by_only_hidden_helper", "test_add_hidden",
                 "hidden message only", "the hidden trick", "test_not_a_check", "import math", "import random",
                 "reference", "Graders: the hidden", "make", "probe"):
        assert gone not in out.text, gone
    assert "from torchdrill.grading import check, checks" in out.text
    assert out.withheld == ("test_add_reference",)
    assert {"test_add_hidden", "test_add_hidden_explicit", "SECRET_SHAPES", "_chain", "math"} <= set(out.removed)
    compile(out.text, "stripped", "exec")


def test_a_visible_check_that_shows_a_solution_line_is_withheld_with_the_reason():
    src = GRADER.replace("    return x * SHARED", "    return torch.add(a, b) * SHARED")
    solution = {"return torch.add(a, b) * SHARED": "ex02_tensor_ops.py:9 (solution)"}
    out, why = rel.safe_grader(src, "ex02_tensor_ops", "test_ex02_tensor_ops.py", solution)
    assert "torch.add(a, b)" not in out.text and "test_add_example" not in out.text
    assert set(out.withheld) == {"test_add_example", "test_add_reference"}
    assert why == {"test_add_example": "_shared: 'return torch.add(a, b) * SHARED' is ex02_tensor_ops.py:9 (solution)"}


def test_a_check_whose_visibility_is_not_a_literal_is_hidden():
    src = ('from torchdrill.grading import check\nV = True\n@check("add", "a", visible=V)\n'
           'def test_x(student):\n    pass\n')
    assert "test_x" not in rel.strip_hidden(src).text


# ----------------------------------------------------------------------------- the bundle

def test_bundle_layout(bundle, course, root):
    files = set(bundle.files)
    assert {"README.md", "install.sh", "course.yml", "graders/release.json"} <= files
    assert os.access(bundle.root / "install.sh", os.X_OK)
    for ch in course.chapters:
        stub = bundle.root / "exercises" / f"{ch.id}.py"
        assert stub.read_text() == (root / "exercises" / f"{ch.id}.py").read_text()   # the committed stubs
    assert [f for f in files if f.startswith("engine/")] == [f"engine/{bundle.wheel.name}"]
    assert sorted(f for f in files if f.startswith("notebooks/")) == \
        sorted(f"notebooks/{ch.id}.ipynb" for ch in course.chapters)
    assert load_course(bundle.root).chapter_ids == course.chapter_ids


def test_bundle_holds_no_solutions_tests_examples_or_git(bundle):
    for path in bundle.root.rglob("*"):
        assert path.name not in ("solutions", "tests", "examples", ".git"), path
    with zipfile.ZipFile(bundle.wheel) as zf:
        for name in zf.namelist():
            assert not set(name.split("/")) & {"solutions", "tests", "examples", ".git"}, name


def _every_text(root: Path) -> dict[str, str]:
    """Every file of the bundle as text, the members of archives included."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as zf:
                    for name in zf.namelist():
                        out[f"{path.relative_to(root)}!{name}"] = zf.read(name).decode("utf-8", "replace")
            else:
                out[str(path.relative_to(root))] = path.read_bytes().decode("utf-8", "replace")
                if path.suffix == ".ipynb":             # the cells' lines, not JSON-escaped
                    nb = json.loads(path.read_text())
                    out[f"{path.relative_to(root)}!cells"] = "\n".join(
                        "".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in nb["cells"])
    return out


def _words(line: str) -> str:
    words = " ".join(line.split())
    for prefix in (">>> ", "... ", "# "):
        words = words[len(prefix):] if words.startswith(prefix) else words
    return words


def _solution_lines(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted((root / "solutions").glob("ex*.py")):
        text = path.read_text()
        lines = _lines(text)
        for region in find_regions(text):
            for n in range(region.begin, region.end - 1):
                out[_words(lines[n])] = f"{path.name}:{n + 1}"
    return out


def _hidden_lines(root: Path) -> dict[str, str]:
    """Lines of hidden checks (a @check without a literal visible=True), except those that also
    appear outside every hidden check of the graders (shared helpers, visible checks)."""
    hidden, public = {}, set()
    for path in sorted((root / "graders").glob("test_*.py")):
        src = path.read_text()
        lines = src.splitlines()
        spans = set()
        for node in ast.parse(src).body:
            mark = next((d for d in getattr(node, "decorator_list", ()) if isinstance(d, ast.Call)
                         and getattr(d.func, "id", getattr(d.func, "attr", "")) == "check"), None)
            if mark is None or any(k.arg == "visible" and getattr(k.value, "value", None) is True
                                   for k in mark.keywords):
                continue
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            for n in range(start, node.end_lineno + 1):
                spans.add(n)
                hidden.setdefault(_words(lines[n - 1]), f"{path.name}:{n} ({node.name})")
        public |= {_words(x) for n, x in enumerate(lines, start=1) if n not in spans}
    return {line: where for line, where in hidden.items() if line not in public}


#: Lines the engine itself needs that are (or quote) a line of a solution region: grade.py's
#: resolve_device (``--device auto``) is pick_device's logic, and the sandbox kit builds the course's
#: model with make_model's one line; both ship because `torchdrill check` runs on them (reported to
#: the lead). Nothing else may match, in the engine or anywhere else.
ENGINE_NEEDS = {
    ("torchdrill/grade.py", "if torch.cuda.is_available():"),
    ("torchdrill/grade.py", 'return torch.device("cuda")'),
    ("torchdrill/grade.py", 'return torch.device("mps")'),
    ("torchdrill/sandbox/kit.py", "return torch.nn.Linear(in_features, out_features)"),
}


def test_bundle_carries_no_solution_line_and_no_hidden_check_line(bundle, root):
    """Every non-trivial line of every solution region and of every hidden check, against every
    line of every file in the bundle (the engine wheel's members included)."""
    secrets = {line: f"solution {where}" for line, where in _solution_lines(root).items()
               if len(line) >= rel.TRIVIAL_CHARS and line not in rel.GENERIC_LINES}
    secrets.update({line: f"hidden check {where}" for line, where in _hidden_lines(root).items()
                    if len(line) >= rel.TRIVIAL_CHARS})
    assert len(secrets) > 50
    assert len(rel.GENERIC_LINES) <= 6 and all(len(g) <= 30 for g in rel.GENERIC_LINES)
    quoted = [s for s, origin in secrets.items() if origin.startswith("solution") and len(s) >= 20]
    texts = _every_text(bundle.root)
    assert any(name.endswith("torchdrill/cli.py") for name in texts)        # the wheel was opened
    assert any(name.endswith(".ipynb!cells") and "raise NotImplementedError" in text
               for name, text in texts.items())                              # the notebooks were read
    found = []
    for name, text in texts.items():
        member = name.split("!", 1)[-1]
        for n, line in enumerate(text.replace("\0", "\n").splitlines(), start=1):
            words = _words(line)
            hit = words if words in secrets else next((s for s in quoted if s in words), None)
            if hit and (member, hit) not in ENGINE_NEEDS:
                found.append(f"{name}:{n}: {words!r} <- {secrets[hit]}")
    assert not found, "\n".join(found)


def test_a_leak_would_be_found(bundle, root, tmp_path):
    """The scan is not vacuous: a solution line or a hidden check's line slipped into a copy is caught."""
    secrets = rel.secret_lines(load_course(root))
    copy = tmp_path / "copy"
    import shutil

    shutil.copytree(bundle.root, copy)
    solution_line = next(line for line, where in secrets.items() if "(solution)" in where)
    hidden_line = next(line for line, where in secrets.items() if "hidden check" in where)
    with open(copy / "exercises" / "ex01_tensors.py", "a") as f:
        f.write(f"\n# {solution_line}\n")
    with open(copy / "README.md", "a") as f:
        f.write(f"\n    {hidden_line}\n")
    notebook = copy / "notebooks" / "ex05_no_grad.ipynb"
    nb = json.loads(notebook.read_text())
    nb["cells"][-2]["source"] = f"def detach(y):\n    {solution_line}\n"
    notebook.write_text(json.dumps(nb, indent=1))
    found = rel.leaks(copy, secrets)
    assert any("exercises/ex01_tensors.py" in x for x in found) and any("README.md" in x for x in found)
    assert any("notebooks/ex05_no_grad.ipynb!cells" in x for x in found)


def test_hidden_checks_messages_are_not_in_the_bundles_catalog(bundle, root):
    """The wheel's Korean catalog holds the engine's texts and the visible checks', not texts only
    hidden checks show (they would tell what the hidden checks look at)."""
    with zipfile.ZipFile(bundle.wheel) as zf:
        shipped = catalog.read_mo(zf.read("torchdrill/locale/ko/LC_MESSAGES/torchdrill.mo"))
    shipped_ids = {k.split("\0")[0] for k in shipped}
    full = {k.split("\0")[0] for k in catalog.read_mo(catalog.mo_path("ko").read_bytes())}
    visible = set(catalog.msgids([bundle.root / "graders"]))
    everywhere = set(catalog.msgids([root / "graders"]))
    engine = set(catalog.msgids([Path(rel.__file__).parent]))
    only_hidden = (everywhere - visible - engine) & full
    assert only_hidden, "the graders have no message of their own in hidden checks: nothing to test"
    assert not shipped_ids & only_hidden
    assert (visible & full) <= shipped_ids and (engine & full) - {"x"} <= shipped_ids | {""}


def test_manifest_counts_checks_per_stub_and_nothing_else(bundle, course, root):
    manifest = json.loads((bundle.root / "graders" / "release.json").read_text())
    assert set(manifest) == {"schema", "engine", "checks"}
    assert list(manifest["checks"]) == course.qualnames()
    full = rel.count_checks(root / "graders", course.chapter_ids)
    for q, c in manifest["checks"].items():
        assert set(c) == {"visible", "hidden"}
        total = full.get(q, {"visible": 0, "hidden": 0})
        assert c["visible"] + c["hidden"] == total["visible"] + total["hidden"]
    shipped = rel.count_checks(bundle.root / "graders", course.chapter_ids)
    assert {q: c["visible"] for q, c in shipped.items()} == \
        {q: c["visible"] for q, c in manifest["checks"].items() if c["visible"]}
    assert all(c["hidden"] == 0 for c in shipped.values())


def test_wheel_is_a_valid_pure_python_wheel(bundle):
    with zipfile.ZipFile(bundle.wheel) as zf:
        names = zf.namelist()
        info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        meta = zf.read(f"{info}/METADATA").decode()
        assert "Name: torchdrill" in meta and "Requires-Dist: torch" in meta and "extra" not in meta
        assert "torchdrill = torchdrill.cli:main" in zf.read(f"{info}/entry_points.txt").decode()
        for line in zf.read(f"{info}/RECORD").decode().splitlines():
            name, digest, size = line.split(",")
            if digest:
                data = zf.read(name)
                want = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                assert digest == "sha256=" + want
                assert int(size) == len(data)
        assert "torchdrill/stubgen.py" not in names                 # instructor-only
        assert not [n for n in names if n.endswith((".po", ".pot", ".pyc"))]
        assert "torchdrill/grading/pytest.ini" in names
        mo = zf.read("torchdrill/locale/ko/LC_MESSAGES/torchdrill.mo")
        t = gettext.GNUTranslations(io.BytesIO(mo))
        assert t.gettext("{func} is not implemented yet.") == "{func} 함수는 아직 구현하지 않았습니다."


def test_readme_tells_both_languages_how_to_install_check_and_submit(bundle):
    text = (bundle.root / "README.md").read_text()
    for words in ("bash install.sh", ".venv/bin/torchdrill check", "## 한국어", "## English", "### 제출",
                  "### Submit", "만점이 아닙니다", "is not full marks", "exercises/"):
        assert words in text, words
    assert text.index("## 한국어") < text.index("## English")
    for words in ("### 노트북으로 하기", "### Working in a notebook", "notebooks/", "jupyter lab notebooks/",
                  "VS Code", "Colab", f"engine/{bundle.wheel.name}", "%load_ext torchdrill.notebook_check"):
        assert words in text, words
    install = (bundle.root / "install.sh").read_text()
    assert "torch==2.13.0" in install and "import torch" in install and bundle.wheel.name in install


def test_release_refuses_a_folder_in_use_and_force_replaces_only_a_bundle(course, tmp_path):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="not empty"):
        rel.release(course, busy)
    with pytest.raises(UsageError, match="not empty"):
        rel.release(course, busy, force=True)           # not a bundle: never deleted
    assert (busy / "notes.txt").read_text() == "mine"
    with pytest.raises(UsageError, match="folder of its own"):
        rel.release(course, course.root / "graders" / "out")


def test_release_cli_replaces_an_earlier_bundle_with_force(bundle, root, tmp_path, capsys):
    from torchdrill.cli import main

    out = tmp_path / "again"
    assert main(["release", str(out), "--course", str(root)]) == 0
    assert main(["release", str(out), "--course", str(root)]) == 2          # exists
    assert main(["release", str(out), "--course", str(root), "--force"]) == 0
    printed = capsys.readouterr().out
    assert f"{bundle.visible} visible checks; {bundle.hidden} hidden checks withheld" in printed
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == list(bundle.files)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".again.")]     # no temporary left


def test_stubs_in_the_bundle_are_generated_from_the_solutions(bundle, root):
    for path in sorted((root / "solutions").glob("ex*.py")):
        assert (bundle.root / "exercises" / path.name).read_text() == make_stub(path.read_text(), str(path))
