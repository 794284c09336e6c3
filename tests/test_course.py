"""course.py and course.yml: the manifest loads into frozen objects; every mistake gets a message
that names the file and the key, says what is wrong and how to fix it (asserted exactly: these
messages are an API)."""
from __future__ import annotations

import copy
import pickle
import subprocess
import sys
from pathlib import Path

import pydantic
import pytest

from torchdrill.course import (
    Chapter,
    Course,
    Limits,
    Text,
    find_course_file,
    load_course,
    schema_reference,
)
from torchdrill.errors import CourseError, UnknownNameError

REPO = Path(__file__).resolve().parents[1]
COURSE_YML = (REPO / "course.yml").read_text(encoding="utf-8")

# Fixed by the course contract (course-spec.md, "Chapters and stubs"), in order.
CONTRACT = {
    "ex01_tensors": ("텐서 기초", ["make_tensor", "from_numpy", "to_numpy", "zeros", "ones", "randn"]),
    "ex02_tensor_ops": ("기본 텐서 연산", ["add", "mul", "matmul", "flatten_row", "to_column", "squeeze_all"]),
    "ex03_device": ("GPU 연산", ["pick_device", "to_device"]),
    "ex04_autograd": ("자동 미분", ["grad_at", "grad_of_sum", "vjp"]),
    "ex05_no_grad": ("미분 추적 금지", ["eval_no_grad", "detach"]),
    "ex06_grad_accumulation": ("Gradient 초기화", ["accumulated_grads", "fresh_grads"]),
    "ex07_optimization": ("Optimization & Loss", ["loss_fn", "train_step", "train"]),
    "ex08_linear_regression": ("Linear Regression", ["make_model", "fit", "predict"]),
}


@pytest.fixture(scope="module")
def course() -> Course:
    return load_course(REPO / "course.yml")


# --------------------------------------------------------------------------- the real course.yml

def test_real_course_matches_contract(course: Course) -> None:
    assert course.schema_version == 1
    assert [c.id for c in course.chapters] == list(CONTRACT)
    for chapter in course.chapters:
        title, stubs = CONTRACT[chapter.id]
        assert chapter.title.ko == title
        assert list(chapter.stubs) == stubs
    assert len(course.chapters) == 8
    assert len(course.qualnames()) == 27


def test_real_course_english_titles_and_defaults(course: Course) -> None:
    assert [c.title.en for c in course.chapters] == [
        "Tensor basics",
        "Basic tensor operations",
        "Devices",
        "Automatic differentiation, chain rule, Jacobian products",
        "Stopping gradient tracking",
        "Gradient accumulation",
        "Optimization & Loss",
        "Linear Regression",
    ]
    assert course.language == "ko"
    assert course.device == "auto"
    assert course.limits == Limits(
        call_seconds=10, cpu_seconds=10, memory_mb=1024, output_kb=64, submission_seconds=600
    )
    assert course.limits == Limits()  # course.yml spells out the defaults


def test_real_course_points(course: Course) -> None:
    for chapter in course.chapters:
        for stub, points in chapter.stubs.items():
            assert points == int(points) and 1 <= points <= 4, (chapter.id, stub, points)
    ex07 = course.chapter("ex07_optimization").stubs
    assert ex07["train_step"] >= ex07["loss_fn"]
    assert course.total == sum(c.total for c in course.chapters) == 60
    assert course.chapter("ex07_optimization").total == 9


def test_root_and_paths(course: Course) -> None:
    assert course.root == REPO
    assert course.solutions_dir == REPO / "solutions"
    assert course.exercises_dir == REPO / "exercises"
    assert course.graders_dir == REPO / "graders"
    assert load_course(REPO).root == REPO  # the directory works as well as the file


def test_search_upward_from_cwd(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "course.yml").write_text(COURSE_YML, encoding="utf-8")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert find_course_file() == tmp_path / "course.yml"
    assert load_course().root == tmp_path


# --------------------------------------------------------------------------- helpers

def test_qualnames_in_order(course: Course) -> None:
    names = course.qualnames()
    assert names[0] == "ex01_tensors.make_tensor"
    assert names[-1] == "ex08_linear_regression.predict"
    assert names == [f"{cid}.{stub}" for cid, (_, stubs) in CONTRACT.items() for stub in stubs]


def test_select_all_chapter_and_stub(course: Course) -> None:
    everything = course.select(None)
    assert [(c.id, stubs) for c, stubs in everything] == [(cid, s) for cid, (_, s) in CONTRACT.items()]
    [(chapter, stubs)] = course.select("ex03_device")
    assert (chapter.id, stubs) == ("ex03_device", ["pick_device", "to_device"])
    [(chapter, stubs)] = course.select("ex07_optimization.train")
    assert (chapter.id, stubs) == ("ex07_optimization", ["train"])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("ex7", "unknown chapter 'ex7': did you mean 'ex07_optimization'?"),
        ("ex9", "unknown chapter 'ex9': known chapters: ex01_tensors, ex02_tensor_ops, ex03_device, "
                "ex04_autograd, ex05_no_grad, ex06_grad_accumulation, ex07_optimization, ex08_linear_regression"),
        ("train", "unknown chapter 'train': did you mean 'ex07_optimization.train'?"),
        ("ex7.train", "unknown chapter 'ex7': did you mean 'ex07_optimization'?"),
        ("ex07_optimization.trian", "unknown stub 'ex07_optimization.trian': did you mean 'ex07_optimization.train'?"),
        ("ex01_tensors.loss_fn", "unknown stub 'ex01_tensors.loss_fn': did you mean 'ex07_optimization.loss_fn'?"),
        ("ex03_device.xyz",
         "unknown stub 'ex03_device.xyz': known stubs: ex03_device.pick_device, ex03_device.to_device"),
    ],
)
def test_select_unknown(course: Course, spec: str, message: str) -> None:
    with pytest.raises(UnknownNameError) as info:
        course.select(spec)
    assert str(info.value) == message
    assert info.value.exit_code == 2


def test_chapter_lookup(course: Course) -> None:
    assert course.chapter("ex05_no_grad").stubs == {"eval_no_grad": 2, "detach": 2}
    with pytest.raises(UnknownNameError, match=r"^unknown chapter 'ex7': did you mean 'ex07_optimization'\?$"):
        course.chapter("ex7")


def test_text_in(course: Course) -> None:
    title = course.chapter("ex01_tensors").title
    assert title.in_("ko") == "텐서 기초"
    assert title.in_("en") == "Tensor basics"
    with pytest.raises(UnknownNameError, match="unknown language 'fr'"):
        title.in_("fr")


# --------------------------------------------------------------------------- frozen

def test_frozen(course: Course) -> None:
    with pytest.raises(pydantic.ValidationError):
        course.language = "en"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        course.limits.call_seconds = 1  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        course.chapters[0].title.ko = "x"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        course.chapters = ()  # type: ignore[misc]
    stubs = course.chapter("ex01_tensors").stubs
    for mutate in (
        lambda: stubs.__setitem__("x", 1.0),
        lambda: stubs.__delitem__("zeros"),
        lambda: stubs.update(x=1.0),
        lambda: stubs.pop("zeros"),
        stubs.clear,
    ):
        with pytest.raises(TypeError, match="frozen"):
            mutate()
    assert list(stubs) == CONTRACT["ex01_tensors"][1]
    with pytest.raises(AttributeError):
        course.chapters.append(course.chapters[0])  # type: ignore[attr-defined]  # a tuple


def test_hashable_picklable_copyable(course: Course) -> None:
    assert hash(course) == hash(load_course(REPO))
    assert pickle.loads(pickle.dumps(course)) == course
    assert copy.deepcopy(course) == course
    assert course.model_dump()["chapters"][6]["stubs"] == {"loss_fn": 2.0, "train_step": 4.0, "train": 3.0}
    assert "root" not in course.model_dump()


# --------------------------------------------------------------------------- schema documentation

def test_every_key_documented_with_default() -> None:
    for model in (Text, Limits, Chapter, Course):
        for name, field in model.model_fields.items():
            where = f"{model.__name__}.{name}"
            assert field.description, f"{where} has no description"
            if field.is_required():
                assert field.description.endswith("Required."), where
                continue
            default = field.get_default(call_default_factory=True)
            if isinstance(default, float):
                default = f"{default:g}"
            if isinstance(default, (str, int)):
                assert f"Default {default}." in field.description, where
            else:  # limits (its keys list their own defaults) and root (not a key)
                assert "Default" in field.description or "Not a key" in field.description, where


def test_schema_reference_and_json_schema() -> None:
    reference = schema_reference()
    assert "limits.cpu_seconds: CPU seconds per call" in reference
    assert "chapters[].stubs: " in reference
    assert "root" not in reference
    assert "root" not in Course.model_json_schema()["properties"]


def test_no_torch_import() -> None:
    code = "import sys, torchdrill.course, torchdrill.errors; print('torch' in sys.modules)"
    env_path = str(REPO / "src")
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={"PYTHONPATH": env_path, "PATH": ""},
    )
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- invalid manifests

def _line(text: str) -> int:
    """The 1-based line of course.yml that starts with ``text``."""
    return next(n for n, line in enumerate(COURSE_YML.splitlines(), 1) if line.startswith(text))


def _replace(old: str, new: str) -> str:
    assert old in COURSE_YML, old
    return COURSE_YML.replace(old, new, 1)


INVALID = {
    "bad schema_version": (
        _replace("schema_version: 1", "schema_version: 2"),
        "course.yml: schema_version: this torchdrill reads version 1, got 2; "
        "write the file for version 1 or use a torchdrill that reads 2",
    ),
    "missing schema_version": (
        _replace("schema_version: 1", ""),
        "course.yml: schema_version: required key is missing; add 'schema_version: 1' at the top",
    ),
    "unknown key, close": (
        _replace("  cpu_seconds: 10 ", "  cpu_secs: 10 "),
        "course.yml: limits.cpu_secs: unknown key; did you mean 'cpu_seconds'?",
    ),
    "unknown key, top level": (
        _replace("device: auto", "devise: auto"),
        "course.yml: devise: unknown key; did you mean 'device'?",
    ),
    "unknown key, nothing close": (
        _replace("device: auto", "zzzzzz: auto"),
        "course.yml: zzzzzz: unknown key; the keys here are: "
        "schema_version, title, language, device, limits, chapters",
    ),
    "root is not a key": (
        COURSE_YML + "root: /tmp\n",
        "course.yml: root: unknown key; the course root is the directory holding course.yml, remove this key",
    ),
    "points not a number": (
        _replace("      add: 1", "      add: two"),
        "course.yml: chapters[1].stubs.add: points must be a number > 0, got 'two'",
    ),
    "points zero": (
        _replace("      add: 1", "      add: 0"),
        "course.yml: chapters[1].stubs.add: points must be a number > 0, got 0",
    ),
    "points a quoted number": (
        _replace("      add: 1", "      add: '1'"),
        "course.yml: chapters[1].stubs.add: points must be a number > 0, got '1'",
    ),
    "points a bool": (
        _replace("      add: 1", "      add: yes"),
        "course.yml: chapters[1].stubs.add: points must be a number > 0, got True",
    ),
    "duplicate chapter id": (
        _replace("id: ex04_autograd", "id: ex02_tensor_ops"),
        "course.yml: chapters[3].id: duplicate chapter id 'ex02_tensor_ops' (already chapters[1]); "
        "give each chapter its own id",
    ),
    "duplicate stub": (
        _replace("      mul: 1", "      add: 1"),
        f"course.yml: line {_line('      mul: 1')}: duplicate key 'add'; each key may appear only once in a mapping",
    ),
    "bad language": (
        _replace("language: ko ", "language: fr "),
        "course.yml: language: must be 'ko' or 'en', got 'fr'",
    ),
    "bad device": (
        _replace("device: auto", "device: gpu"),
        "course.yml: device: must be 'auto', 'cpu', 'cuda' or 'mps', got 'gpu'",
    ),
    "bad chapter id": (
        _replace("id: ex03_device", "id: ex3_device"),
        "course.yml: chapters[2].id: chapter id 'ex3_device' is not of the form exNN_name; use 'ex', "
        "two digits, '_', then lower-case letters, digits or _, e.g. ex03_device",
    ),
    "bad stub name": (
        _replace("      pick_device: 2", "      pick-device: 2"),
        "course.yml: chapters[2].stubs['pick-device']: stub name 'pick-device' is not a Python function "
        "name; use letters, digits and _ (not starting with a digit), e.g. loss_fn",
    ),
    "keyword stub name": (
        _replace("      pick_device: 2", "      lambda: 2"),
        "course.yml: chapters[2].stubs.lambda: stub name 'lambda' is not a Python function "
        "name; use letters, digits and _ (not starting with a digit), e.g. loss_fn",
    ),
    "no stubs": (
        _replace("      pick_device: 2\n      to_device: 2\n", "      {}\n"),
        "course.yml: chapters[2].stubs: a chapter must list at least one stub, e.g. stubs: {loss_fn: 2}",
    ),
    "stubs as a list": (
        _replace("      pick_device: 2\n      to_device: 2\n", "      - pick_device\n"),
        "course.yml: chapters[2].stubs: must be a mapping (key: value), got a list",
    ),
    "no chapters": (
        COURSE_YML[: COURSE_YML.index("chapters:")] + "chapters: []\n",
        "course.yml: chapters: a course must list at least one chapter",
    ),
    "limit not whole": (
        _replace("cpu_seconds: 10 ", "cpu_seconds: 1.5 "),
        "course.yml: limits.cpu_seconds: must be a whole number > 0, got 1.5",
    ),
    "limit negative": (
        _replace("call_seconds: 10 ", "call_seconds: -1 "),
        "course.yml: limits.call_seconds: must be a number > 0, got -1",
    ),
    "limit with a unit": (
        _replace("memory_mb: 1024", "memory_mb: 1GB"),
        "course.yml: limits.memory_mb: must be a whole number > 0, got '1GB'",
    ),
    "missing title language": (
        _replace("{ko: GPU 연산, en: Devices}", "{ko: GPU 연산}"),
        "course.yml: chapters[2].title.en: required key is missing; add 'en: ...' here",
    ),
    "title as text": (
        _replace("{ko: GPU 연산, en: Devices}", "GPU"),
        "course.yml: chapters[2].title: must be a mapping (key: value), got text",
    ),
    "empty title": (
        _replace("{ko: GPU 연산, en: Devices}", "{ko: GPU 연산, en: ''}"),
        "course.yml: chapters[2].title.en: must be non-empty text, got ''",
    ),
    "two errors": (
        _replace("language: ko ", "language: fr ").replace("device: auto", "device: gpu"),
        "course.yml: language: must be 'ko' or 'en', got 'fr'\n"
        "also: device: must be 'auto', 'cpu', 'cuda' or 'mps', got 'gpu'",
    ),
    "not a mapping": (
        "- a\n- b\n",
        "course.yml: must be a mapping of keys (schema_version, title, chapters, …), got a list",
    ),
    "empty file": ("", "course.yml: the file is empty; start it with 'schema_version: 1'"),
    # YAML reports where it noticed the problem: the line after the unclosed '[' or the bad indent.
    "YAML syntax error": (
        _replace("  call_seconds: 10", "  call_seconds: [10"),
        f"course.yml: line {_line('  cpu_seconds:')}, column 3: invalid YAML (expected ',' or ']', "
        f"but got '<scalar>'); fix the syntax on line {_line('  cpu_seconds:')}",
    ),
    "YAML bad indentation": (
        _replace("  call_seconds: 10", " call_seconds: 10"),
        f"course.yml: line {_line('  cpu_seconds:')}, column 3: invalid YAML (expected <block end>, "
        f"but found '<block mapping start>'); fix the syntax on line {_line('  cpu_seconds:')}",
    ),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_course(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text, message = INVALID[case]
    (tmp_path / "course.yml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CourseError) as info:
        load_course("course.yml")
    assert str(info.value) == message
    assert info.value.exit_code == 3


def test_message_names_file_outside_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "course.yml").write_text(_replace("language: ko ", "language: fr "), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CourseError, match=r"^course/course\.yml: language: "):
        load_course(folder)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with pytest.raises(CourseError) as info:
        load_course(folder)
    assert str(info.value).startswith(f"{folder / 'course.yml'}: language: ")


def test_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CourseError) as info:
        load_course("nope/course.yml")
    assert str(info.value) == (
        "nope/course.yml: file not found; give the path of an existing course.yml "
        "or of the directory holding it"
    )
    assert info.value.exit_code == 3
    (tmp_path / "empty").mkdir()
    with pytest.raises(CourseError) as info:
        load_course("empty")
    assert str(info.value) == (
        "empty: no course.yml in this directory; give the directory that holds course.yml, or the file itself"
    )


def test_no_course_upward(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if any((folder / "course.yml").is_file() for folder in tmp_path.parents):
        pytest.skip("a course.yml lies above the temporary directory")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CourseError) as info:
        load_course()
    assert str(info.value) == (
        f"no course.yml in {tmp_path} or any directory above it; run torchdrill inside a "
        "course directory or give the path of its course.yml"
    )


def test_not_utf8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "course.yml").write_bytes(b"title: caf\xe9\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CourseError) as info:
        load_course(tmp_path)
    assert str(info.value) == "course.yml: not UTF-8 text (byte 0xe9 at offset 10); save the file as UTF-8"


def test_safe_load_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A python/object tag is refused, never constructed."""
    text = _replace("language: ko ", "language: !!python/object/apply:os.system ['echo pwned'] ")
    (tmp_path / "course.yml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CourseError) as info:
        load_course()
    assert str(info.value) == (
        f"course.yml: line {_line('language:')}, column 11: could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/object/apply:os.system'; course.yml holds plain values only "
        "(text, numbers, lists, mappings): remove the tag"
    )


def test_limits_partial_defaults(tmp_path: Path) -> None:
    start, end = COURSE_YML.index("limits:"), COURSE_YML.index("chapters:")
    text = COURSE_YML[:start] + "limits:\n  call_seconds: 2.5\n\n" + COURSE_YML[end:]
    (tmp_path / "course.yml").write_text(text, encoding="utf-8")
    limits = load_course(tmp_path).limits
    assert limits == Limits(call_seconds=2.5)
    assert (limits.cpu_seconds, limits.memory_mb, limits.output_kb, limits.submission_seconds) == (10, 1024, 64, 600)
    assert isinstance(limits.cpu_seconds, int)
