"""The student bundle: what an instructor hands out, with no solution and no hidden check in it.

``release(course, OUT)`` writes, in this order:

    exercises/            the stubs, generated from solutions/ (the single source) by stubgen
    graders/test_*.py     the visible checks only (visible.py): every hidden check is cut out by
                          AST, and so is every helper, constant and import only hidden checks used
    graders/release.json  per stub, how many checks are visible and how many hidden (counts only)
    engine/*.whl          the engine as a wheel (wheel.py), without instructor-only modules, its
                          catalog cut down to the texts of the engine and of the visible checks
    course.yml            copied as it is
    README.md, install.sh two commands: install (torch CPU when missing, then the wheel), check

NB: the graders come before the manifest and the engine: the counts are checked against what the
stripped graders collect, and the engine's catalog keeps only the texts those graders use.  The
bundle is built in a temporary folder beside OUT, then verified (course loads, graders collect
to the visible counts, no solution or hidden line in any file), and only then moved into place.
"""
from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .course import COURSE_FILE, Course, load_course
from .errors import CourseError, UsageError
from .visible import Stripped, _norm, bundle_grader, check_mark, safe_grader, solution_in, strip_hidden
from .wheel import ENGINE_EXCLUDE, build_wheel

MANIFEST = "release.json"
MANIFEST_SCHEMA = 1
TORCH_VERSION = "2.13.0"
#: what may never appear in a bundle, at any depth
FORBIDDEN_DIRS = ("solutions", "tests", "examples", ".git")


@dataclass(frozen=True)
class Release:
    root: Path
    counts: dict[str, dict[str, int]]
    wheel: Path
    files: tuple[str, ...] = field(default=())
    warnings: tuple[str, ...] = field(default=())

    @property
    def visible(self) -> int:
        return sum(c["visible"] for c in self.counts.values())

    @property
    def hidden(self) -> int:
        return sum(c["hidden"] for c in self.counts.values())


# --------------------------------------------------------------------------- counting checks

def count_checks(graders_dir: Path, chapters: list[str], *, by_test: bool = False) -> dict[str, dict]:
    """``{"chapter.stub": {"visible": n, "hidden": m}}`` as the grading plugin collects them
    (parametrized checks counted once per case); with ``by_test``, also ``"tests"``: the names
    of the visible test functions, once per collected check.  A grader that fails to collect is
    an error."""
    import pytest

    from .grading.plugin import GradingPlugin, pytest_args

    files = [graders_dir / f"test_{c}.py" for c in chapters if (graders_dir / f"test_{c}.py").is_file()]
    counts: dict[str, dict[str, int]] = {}
    if not files:
        return counts
    plugin = GradingPlugin(sandbox=None, staged={}, solutions_dir=None, lang="en", device="cpu")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    sink = io.StringIO()
    _forget_modules(files)            # importlib mode reuses a module of the same name from sys.modules
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            pytest.main([*pytest_args(files, graders_dir), "--collect-only"], plugins=[plugin])
    finally:
        _forget_modules(files)
    if plugin.collect_errors:
        raise CourseError("graders failed to collect:\n" + "\n".join(e[-1500:] for e in plugin.collect_errors))
    for rec in plugin.records.values():
        entry = counts.setdefault(f"{rec.chapter}.{rec.stub}", {"visible": 0, "hidden": 0})
        entry["visible" if rec.visible else "hidden"] += 1
        if by_test and rec.visible:
            entry.setdefault("tests", []).append(rec.nodeid.split("::")[-1].split("[")[0])
    return counts


def _forget_modules(files: list[Path]) -> None:
    stems = {f.stem for f in files}
    for name in [n for n in sys.modules if n.rsplit(".", 1)[-1] in stems]:
        del sys.modules[name]


def check_counts(course: Course) -> dict[str, dict[str, int]]:
    """Visible and hidden checks per stub of every course stub: from the bundle's manifest when
    there is one (students), else counted from graders/ (instructors)."""
    manifest = course.graders_dir / MANIFEST
    if manifest.is_file():
        try:
            raw = json.loads(manifest.read_text(encoding="utf-8"))["checks"]
        except (ValueError, KeyError, TypeError) as exc:
            raise CourseError(f"{manifest}: not a torchdrill release manifest ({exc})") from None
        found = {q: {"visible": int(c.get("visible", 0)), "hidden": int(c.get("hidden", 0))} for q, c in raw.items()}
    else:
        found = count_checks(course.graders_dir, [c.id for c in course.chapters])
    return {q: found.get(q, {"visible": 0, "hidden": 0}) for q in course.qualnames()}


# --------------------------------------------------------------------------- student docs

INSTALL_SH = """\
#!/usr/bin/env bash
# 설치 / Install: makes .venv beside this file, installs the CPU build of torch {torch} when
# torch is missing, then the checker (engine/{wheel}).
# Run it again any time: it only adds what is missing.
#   PYTHON=python3.12 ./install.sh                 use another Python (3.10 or newer)
#   TORCH_INDEX_URL=https://... ./install.sh       where torch comes from (empty: pip's own setting)
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${{PYTHON:-python3}}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    echo "Python 3.10 이상이 필요합니다 / Python 3.10 or newer is needed ($PYTHON)." >&2
    exit 1
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
    echo "torch {torch} (CPU) 설치 중 / installing torch {torch} (CPU) ..."
    INDEX="${{TORCH_INDEX_URL-https://download.pytorch.org/whl/cpu}}"
    .venv/bin/python -m pip install -q "torch=={torch}" ${{INDEX:+--index-url "$INDEX"}}
fi
echo "채점기 설치 중 / installing the checker ..."
.venv/bin/python -m pip install -q "engine/{wheel}"
.venv/bin/python -m pip install -q --no-deps --force-reinstall "engine/{wheel}"
.venv/bin/torchdrill --version
echo "준비 완료 / ready: .venv/bin/torchdrill check"
"""


def student_readme(course: Course, counts: dict[str, dict[str, int]]) -> str:
    chapters = "\n".join(
        f"| `{c.id}` | {c.title.ko} | {c.title.en} | {', '.join(f'`{s}`' for s in c.stubs)} |" for c in course.chapters)
    first = course.chapters[0].id
    stub = next(iter(course.chapters[0].stubs))

    def commands(notes: tuple[str, ...], other: str) -> str:
        lines = [f".venv/bin/torchdrill check{arg}" for arg in ("", f" {first}", f" {first}.{stub}", f" --lang {other}")]
        width = max(map(len, lines)) + 2
        return "\n".join(f"   {line.ljust(width)}# {note}" for line, note in zip(lines, notes))
    return f"""# {course.title.ko} / {course.title.en}

한국어 안내가 먼저, English follows below.

## 한국어

### 준비 (한 번만)

Linux(Windows에서는 WSL)와 Python 3.10 이상이 필요합니다. 이 폴더에서 두 명령을 실행하세요.

```bash
bash install.sh                  # .venv를 만들고 torch(CPU)와 채점기를 설치합니다
.venv/bin/torchdrill check       # 공개된 검사로 지금까지 한 과제를 확인합니다
```

### 과제 하는 법

1. `exercises/` 폴더의 파일(`{first}.py` …)을 여세요. 함수마다 docstring에 할 일, 입력, 출력,
   예시가 있고 본문은 `raise NotImplementedError(...)`입니다. 그 줄을 여러분의 코드로 바꾸세요.
2. 확인하세요. 인자 없이는 모든 장을, 장이나 함수 하나만 확인할 수도 있습니다.

   ```bash
{commands(("모든 장", "한 장", "함수 하나", "영어로 보기"), "en")}
   ```

   함수마다 통과 / 틀림 / 아직 구현하지 않음이 표로 나오고, 틀렸으면 기대한 값, 받은 값, 힌트가,
   코드가 오류를 냈으면 여러분 코드의 줄이 나옵니다.
3. 고치고 다시 확인하기를 반복하세요.

**공개된 검사를 모두 통과해도 만점이 아닙니다.** 검사의 일부는 숨겨져 있고, 제출한 과제를
채점할 때 실행됩니다 (이 과정의 숨겨진 검사: {sum(c["hidden"] for c in counts.values())}개). 예제만 맞히는 코드가 아니라
docstring이 말하는 모든 경우에 맞는 코드를 쓰세요.

### 제출

`exercises/` 폴더의 장 파일(`ex01_tensors.py` …)을 강사가 알려 준 곳(예: Gradescope)에 올리세요.
파일 이름과 함수 이름은 바꾸지 마세요. `.venv/`, `engine/`, `graders/`는 제출하지 않습니다.

## English

### Set up (once)

You need Linux (on Windows: WSL) and Python 3.10 or newer. In this folder, run two commands:

```bash
bash install.sh                  # makes .venv, installs torch (CPU) and the checker
.venv/bin/torchdrill check       # checks your work so far against the visible checks
```

### The work loop

1. Open a file in `exercises/` (`{first}.py` …). Each function's docstring gives the task, the
   inputs, the outputs and an example; its body is `raise NotImplementedError(...)`. Replace that
   line with your code.
2. Check it: every chapter with no argument, or one chapter, or one function.

   ```bash
{commands(("every chapter", "one chapter", "one function", "in Korean"), "ko")}
   ```

   A table shows each function as passed / failed / not implemented yet; a failure says what was
   expected, what your code gave and a hint, and a crash shows the lines of your own code.
3. Fix and check again.

**Passing every visible check is not full marks.** Some checks are hidden and run when your work
is graded (this course has {sum(c["hidden"] for c in counts.values())} of them). Write code that does what the docstring says in
every case, not only for its example.

### Submit

Hand in the chapter files in `exercises/` (`ex01_tensors.py` …) where your instructor says (e.g.
Gradescope). Keep the file and function names. Do not hand in `.venv/`, `engine/` or `graders/`.

## 장 / Chapters

| file | 한국어 | English | functions |
| --- | --- | --- | --- |
{chapters}
"""


# --------------------------------------------------------------------------- secrets and the scan

#: a line shorter than this says nothing on its own (``return w``, ``grads = []``)
TRIVIAL_CHARS = 12
#: solution lines that are the course's common vocabulary, written word for word by any training
#: loop or device fallback (graders' visible helpers use them too): alone they give nothing away
GENERIC_LINES = frozenset({"with torch.no_grad():", "loss.backward()", "optimizer.step()",
                           "optimizer.zero_grad()", 'return torch.device("cpu")'})


def secret_lines(course: Course) -> dict[str, str]:
    """Normalised line -> where it comes from, for every line that may not ship: the non-trivial
    lines of the solution regions, and those of the hidden checks that no shipped code has too."""
    from .stubgen import _lines, find_regions

    out: dict[str, str] = {}
    for path in sorted(course.solutions_dir.glob("ex*.py")):
        text = path.read_text(encoding="utf-8")
        lines = _lines(text)
        for region in find_regions(text, str(path)):
            for n in range(region.begin, region.end - 1):
                line = _norm(lines[n])
                if len(line) >= TRIVIAL_CHARS and line not in GENERIC_LINES:
                    out.setdefault(line, f"{path.name}:{n + 1} (solution)")
    graders = {p: p.read_text(encoding="utf-8") for p in sorted(course.graders_dir.glob("test_*.py"))}
    cut = {p: strip_hidden(text, str(p)) for p, text in graders.items()}
    public = {_norm(x) for c in cut.values() for x in c.text.splitlines()}
    for path, text in graders.items():
        src = text.splitlines()
        for node in ast.parse(text).body:
            if check_mark(node) is None or node.name not in cut[path].removed:
                continue
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            for n in range(start, node.end_lineno + 1):
                line = _norm(src[n - 1])
                if len(line) >= TRIVIAL_CHARS and line not in public:
                    out.setdefault(line, f"{path.name}:{n} (hidden check {node.name})")
    return out


def bundle_texts(root: Path) -> dict[str, str]:
    """Every file of a bundle as text (archive members opened), keyed by relative path."""
    out = {}
    for path in sorted(Path(root).rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        if path.suffix in (".whl", ".zip"):
            with zipfile.ZipFile(path) as zf:
                for name in zf.namelist():
                    out[f"{rel}!{name}"] = zf.read(name).decode("utf-8", "replace")
        else:
            out[rel] = path.read_bytes().decode("utf-8", "replace")
    return out


def leaks(root: Path, secrets: dict[str, str], *, skip_engine: bool = True) -> list[str]:
    """``file:line: text (origin)`` for every line of the bundle that is a secret line (compared by
    :func:`_norm`), or quotes a long solution line.  The engine wheel is left to the tests (they
    know the lines the engine itself needs) unless ``skip_engine`` is False."""
    solution = {line: origin for line, origin in secrets.items() if origin.endswith("(solution)")}
    found = []
    for name, text in bundle_texts(root).items():
        if skip_engine and name.startswith("engine/"):
            continue
        for n, line in enumerate(text.replace("\0", "\n").splitlines(), start=1):
            hit = secrets.get(_norm(line)) and _norm(line) or solution_in(line, solution)
            if hit:
                found.append(f"{name}:{n}: {hit!r} ({secrets[hit]})")
    return found


# --------------------------------------------------------------------------- release

def _prepare_out(out: Path, course: Course, force: bool) -> None:
    out = Path(out).absolute()
    root = course.root.resolve()
    if out.resolve() == root or root.is_relative_to(out.resolve()) or any(
            out.resolve().is_relative_to(root / d) for d in FORBIDDEN_DIRS + ("exercises", "graders")):
        raise UsageError(f"{out}: the bundle must go to a folder of its own, not into the course or above it")
    if out.exists():
        if not out.is_dir():
            raise UsageError(f"{out}: exists and is not a folder")
        if any(out.iterdir()):
            if not (force and (out / "graders" / MANIFEST).is_file()):
                raise UsageError(f"{out}: exists and is not empty; give a new folder, or --force to replace "
                                 "a bundle made earlier by torchdrill release")


def release(course: Course, out: Path, *, force: bool = False) -> Release:
    """Write the student bundle for ``course`` into ``out`` (see the module docstring)."""
    out = Path(out).absolute()
    _prepare_out(out, course, force)
    if not course.solutions_dir.is_dir():
        raise CourseError(f"{course.solutions_dir}: no solutions/ here; run torchdrill release in the "
                          "instructor's course folder (the stubs are generated from the solutions)")
    from .stubgen import make_stub       # instructor-only: not in the student wheel

    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        chapters = [c.id for c in course.chapters]
        # 1. stubs, from the single source
        (work / "exercises").mkdir()
        for ch in chapters:
            src = course.solutions_dir / f"{ch}.py"
            if not src.is_file():
                raise CourseError(f"{src}: missing; every chapter in {COURSE_FILE} needs its solution module")
            (work / "exercises" / f"{ch}.py").write_text(make_stub(src.read_text(encoding="utf-8"), str(src)),
                                                          encoding="utf-8")
        # 2. graders: visible checks only
        (work / "graders").mkdir()
        secrets = secret_lines(course)
        solution = {line: origin for line, origin in secrets.items() if origin.endswith("(solution)")}
        shipped, withheld, warnings = [], {}, []
        for ch in chapters:
            src = course.graders_dir / f"test_{ch}.py"
            if src.is_file():
                dest = work / "graders" / src.name
                stripped, why = safe_grader(src.read_text(encoding="utf-8"), ch, str(src), solution)
                dest.write_text(stripped.text, encoding="utf-8")
                shipped.append(dest)
                for name in stripped.withheld:
                    withheld[f"{ch}::{name}"] = True
                    reason = (f"its code shows a solution line ({why[name]})" if name in why else
                              "it uses the `reference` fixture, and students have no solutions")
                    warnings.append(f"{src.name}::{name} is visible=True, but {reason}: withheld from the bundle "
                                    "(counted as hidden). Compute its expected value another way to let students "
                                    "run it.")
        # 3. counts (NB: after 2: visible is what the stripped graders collect, hidden the rest)
        full = count_checks(course.graders_dir, chapters, by_test=True)
        bundled = count_checks(work / "graders", chapters)
        counts = {}
        for q in course.qualnames():
            total = full.get(q, {"visible": 0, "hidden": 0})
            ch = q.split(".")[0]
            due = total["visible"] - sum(1 for t in total.get("tests", ()) if f"{ch}::{t}" in withheld)
            got = bundled.get(q, {"visible": 0, "hidden": 0})
            if got["visible"] != due or got["hidden"]:
                raise CourseError(f"{q}: the bundle's graders collect {got['visible']} visible check(s) where "
                                  f"{due} are due; a visible check depends on something only hidden ones had")
            counts[q] = {"visible": due, "hidden": total["visible"] + total["hidden"] - due}
        from . import __version__

        (work / "graders" / MANIFEST).write_text(json.dumps(
            {"schema": MANIFEST_SCHEMA, "engine": __version__, "checks": counts}, indent=2) + "\n",
            encoding="utf-8")
        # 4. the engine (NB: after 2, its catalog keeps only what the shipped graders use)
        wheel = build_wheel(work / "engine", shipped)
        # 5. course.yml, README, install script
        shutil.copyfile(course.root / COURSE_FILE, work / COURSE_FILE)
        (work / "README.md").write_text(student_readme(course, counts), encoding="utf-8")
        install = work / "install.sh"
        install.write_text(INSTALL_SH.format(torch=TORCH_VERSION, wheel=wheel.name), encoding="utf-8")
        install.chmod(0o755)
        # 6. verify before anything is moved into place
        load_course(work)
        found = leaks(work, secrets)
        if found:
            raise CourseError("the bundle would carry solution or hidden-check code:\n  " + "\n  ".join(found[:20]))
        bad = [p for p in work.rglob("*") if p.name in FORBIDDEN_DIRS]
        if bad:
            raise CourseError(f"the bundle would hold {bad[0].relative_to(work)}")
        files = tuple(sorted(p.relative_to(work).as_posix() for p in work.rglob("*") if p.is_file()))
        if out.exists():
            shutil.rmtree(out)
        os.replace(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return Release(out, counts, out / "engine" / wheel.name, files, tuple(warnings))


__all__ = ["ENGINE_EXCLUDE", "MANIFEST", "Release", "Stripped", "build_wheel", "bundle_grader", "bundle_texts",
           "check_counts", "check_mark", "count_checks", "leaks", "release", "safe_grader", "secret_lines",
           "strip_hidden", "student_readme"]
