"""The student bundle: what an instructor hands out, with no solution and no hidden check in it.

``release(course, OUT)`` writes, in this order:

    exercises/            the stubs, generated from solutions/ (the single source) by stubgen
    graders/test_*.py     the visible checks only (visible.py): every hidden check is cut out by
                          AST, and so is every helper, constant and import only hidden checks used
    graders/release.json  per stub, how many checks are visible and how many hidden (counts only)
    notebooks/*.ipynb     one notebook per chapter (notebooks.py): the same stubs with the explanations
                          and a check cell per stub that runs its visible checks in the sandbox
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
import json
import os
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import TORCH_VERSION
from .course import COURSE_FILE, Course, load_course
from .errors import CourseError, UsageError
from .messages import N_, msg, render
from .notebooks import write_notebooks
from .render import bilingual
from .visible import Stripped, _norm, bundle_grader, check_mark, safe_grader, solution_in, strip_hidden
from .wheel import ENGINE_EXCLUDE, build_wheel

MANIFEST = "release.json"
MANIFEST_SCHEMA = 1
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
    from .grading.plugin import GradingPlugin, pytest_args
    from .session import run_pytest

    files = [graders_dir / f"test_{c}.py" for c in chapters if (graders_dir / f"test_{c}.py").is_file()]
    counts: dict[str, dict[str, Any]] = {}
    if not files:
        return counts
    plugin = GradingPlugin(sandbox=None, staged={}, solutions_dir=None, lang="en", device="cpu")
    _forget_modules(files)            # importlib mode reuses a module of the same name from sys.modules
    try:
        run_pytest([*pytest_args(files, graders_dir), "--collect-only"], plugin)
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
# {t_install} (Linux, macOS): makes .venv beside this file, installs torch {torch} when it is
# missing (Linux: the CPU build; macOS: the default wheel, which has MPS), then the checker
# (engine/{wheel}).  Windows: install.ps1.
# Run it again any time: it only adds what is missing.
#   PYTHON=python3.12 ./install.sh                 use another Python (3.10 or newer)
#   TORCH_INDEX_URL=https://... ./install.sh       where torch comes from (empty: pip's own setting)
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${{PYTHON:-python3}}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    echo "{t_python} ($PYTHON)." >&2
    exit 1
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
    if [ "$(uname -s)" = Darwin ]; then       # macOS: PyPI's wheel (Apple silicon: MPS)
        echo "{t_torch_mps} ..."
        INDEX="${{TORCH_INDEX_URL-}}"
    else
        echo "{t_torch_cpu} ..."
        INDEX="${{TORCH_INDEX_URL-https://download.pytorch.org/whl/cpu}}"
    fi
    .venv/bin/python -m pip install -q "torch=={torch}" ${{INDEX:+--index-url "$INDEX"}}
fi
echo "{t_checker} ..."
.venv/bin/python -m pip install -q "engine/{wheel}"
.venv/bin/python -m pip install -q --no-deps --force-reinstall "engine/{wheel}"
.venv/bin/torchdrill --version
echo "{t_ready}: .venv/bin/torchdrill check"
"""


INSTALL_PS1 = """\
# {t_install} (Windows PowerShell): makes .venv beside this file, installs the CPU build of
# torch {torch} when it is missing, then the checker (engine\\{wheel}).  Run it again any time.
#   powershell -ExecutionPolicy Bypass -File install.ps1
#   $env:PYTHON = "py -3.12"          use another Python (3.10 or newer)
#   $env:TORCH_INDEX_URL = "..."      where torch comes from (empty: pip's own setting)
Set-Location -LiteralPath $PSScriptRoot
$py = if ($env:PYTHON) {{ $env:PYTHON -split " " }} else {{ @("python") }}
$exe, $pre = $py[0], @($py | Select-Object -Skip 1)
& $exe @pre -c "import sys; sys.exit(sys.version_info < (3, 10))"
if ($LASTEXITCODE -ne 0) {{
    Write-Host "{t_python} ($exe)."; exit 1
}}
if (-not (Test-Path .venv\\Scripts\\python.exe)) {{ & $exe @pre -m venv .venv; if ($LASTEXITCODE) {{ exit 1 }} }}
$venv = ".venv\\Scripts\\python.exe"
& $venv -c "import torch" *> $null
if ($LASTEXITCODE -ne 0) {{
    Write-Host "{t_torch_cpu} ..."
    $cpu = "https://download.pytorch.org/whl/cpu"
    $index = if ($null -ne $env:TORCH_INDEX_URL) {{ $env:TORCH_INDEX_URL }} else {{ $cpu }}
    if ($index) {{ & $venv -m pip install -q "torch=={torch}" --index-url $index }}
    else {{ & $venv -m pip install -q "torch=={torch}" }}
    if ($LASTEXITCODE) {{ exit 1 }}
}}
Write-Host "{t_checker} ..."
& $venv -m pip install -q "engine\\{wheel}"; if ($LASTEXITCODE) {{ exit 1 }}
& $venv -m pip install -q --no-deps --force-reinstall "engine\\{wheel}"; if ($LASTEXITCODE) {{ exit 1 }}
& .venv\\Scripts\\torchdrill.exe --version
Write-Host "{t_ready}: .venv\\Scripts\\torchdrill check"
"""


def install_words() -> dict[str, str]:
    """The install scripts' messages, in every language (a student reads them before any course
    language is chosen); the scripts keep only ASCII-safe shell around them."""
    def build(name: str) -> str:
        return bilingual(msg("installing torch {version} ({build})", version=TORCH_VERSION, build=name))

    return {"t_install": bilingual(N_("Install")), "t_python": bilingual(N_("Python 3.10 or newer is needed")),
            "t_torch_mps": build("MPS"), "t_torch_cpu": build("CPU"),
            "t_checker": bilingual(N_("installing the checker")), "t_ready": bilingual(N_("ready"))}


def install_script(template: str, wheel: str) -> str:
    return template.format(torch=TORCH_VERSION, wheel=wheel, **install_words())


def student_readme(course: Course, counts: dict[str, dict[str, int]], *, wheel: str = "torchdrill-py3-none-any.whl",
                   bundle: str = "student") -> str:
    """The bundle's README (Korean, then English), from ``data/student_readme.md.j2``."""
    import jinja2

    first = course.chapters[0].id
    stub = next(iter(course.chapters[0].stubs))

    def commands(notes: tuple[str, ...], other: str) -> str:
        args = ("", f" {first}", f" {first}.{stub}", f" --lang {other}")
        lines = [f".venv/bin/torchdrill check{arg}" for arg in args]
        width = max(map(len, lines)) + 2
        return "\n".join(f"   {line.ljust(width)}# {note}" for line, note in zip(lines, notes, strict=True))

    colab = "\n".join(f"  {line}" for line in (
        f"!unzip -q -o /content/{bundle}.zip -d /content",
        f"!pip install -q /content/{bundle}/engine/{wheel}",
        f"%cd /content/{bundle}/notebooks"))
    env = jinja2.Environment(loader=jinja2.PackageLoader("torchdrill", "data"), autoescape=False,
                             keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    return env.get_template("student_readme.md.j2").render(
        course=course, first=first, hidden=sum(c["hidden"] for c in counts.values()), colab=colab,
        torch=TORCH_VERSION, wheel=wheel,
        commands_ko=commands(tuple(render(n, "ko") for n in (*_COMMAND_NOTES, N_("in English"))), "en"),
        commands_en=commands(tuple(render(n, "en") for n in (*_COMMAND_NOTES, N_("in Korean"))), "ko"))


#: what each of the README's example commands does (the last one, the other language, is added per language)
_COMMAND_NOTES = (N_("every chapter"), N_("one chapter"), N_("one function"))


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
            if (not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or check_mark(node) is None
                    or node.name not in cut[path].removed):
                continue
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            for n in range(start, (node.end_lineno or node.lineno) + 1):
                line = _norm(src[n - 1])
                if len(line) >= TRIVIAL_CHARS and line not in public:
                    out.setdefault(line, f"{path.name}:{n} (hidden check {node.name})")
    return out


def bundle_texts(root: Path) -> dict[str, str]:
    """Every file of a bundle as text (archive members opened), keyed by relative path; a notebook
    also as the text of its cells (``name!cells``), since its JSON escapes the lines."""
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
            if path.suffix == ".ipynb":
                out[f"{rel}!cells"] = notebook_cells_text(out[rel])
    return out


def notebook_cells_text(raw: str) -> str:
    """The source of every cell of a notebook (any output too), one after the other."""
    try:
        nb = json.loads(raw)
    except ValueError:
        return raw
    parts = []
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        for item in [cell.get("source", "")] + [o.get("text", "") for o in cell.get("outputs", []) or []]:
            parts.append("".join(item) if isinstance(item, list) else str(item))
    return "\n".join(parts)


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
            hit = (secrets.get(_norm(line)) and _norm(line)) or solution_in(line, solution)
            if hit:
                found.append(f"{name}:{n}: {hit!r} ({secrets[hit]})")
    return found


# --------------------------------------------------------------------------- release

def _prepare_out(out: Path, course: Course, force: bool) -> None:
    out = Path(out).absolute()
    root = course.root.resolve()
    if out.resolve() == root or root.is_relative_to(out.resolve()) or any(
            out.resolve().is_relative_to(root / d) for d in (*FORBIDDEN_DIRS, "exercises", "graders")):
        raise UsageError(f"{out}: the bundle must go to a folder of its own, not into the course or above it")
    if out.exists():
        if not out.is_dir():
            raise UsageError(f"{out}: exists and is not a folder")
        if any(out.iterdir()) and not (force and (out / "graders" / MANIFEST).is_file()):
            raise UsageError(f"{out}: exists and is not empty; give a new folder, or --force to replace "
                             "a bundle made earlier by torchdrill release")


def release(course: Course, out: Path, *, force: bool = False) -> Release:
    """Write the student bundle for ``course`` into ``out`` (see the module docstring)."""
    out = Path(out).absolute()
    _prepare_out(out, course, force)
    if not course.solutions_dir.is_dir():
        raise CourseError(f"{course.solutions_dir}: no solutions/ here; run torchdrill release in the "
                          "instructor's course folder (the stubs are generated from the solutions)")
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        chapters = [c.id for c in course.chapters]
        # 1. stubs, from the single source, and the same stubs as notebooks with a check cell per stub
        write_notebooks(course, work, _write_stubs(course, work / "exercises", chapters))
        # 2. graders: visible checks only
        secrets = secret_lines(course)
        shipped, withheld, warnings = _write_graders(course, work / "graders", chapters, secrets)
        # 3. counts (NB: after 2: visible is what the stripped graders collect, hidden the rest)
        counts = _bundle_counts(course, work / "graders", chapters, withheld)
        from . import __version__

        (work / "graders" / MANIFEST).write_text(json.dumps(
            {"schema": MANIFEST_SCHEMA, "engine": __version__, "checks": counts}, indent=2) + "\n",
            encoding="utf-8")
        # 4. the engine (NB: after 2, its catalog keeps only what the shipped graders use)
        wheel = build_wheel(work / "engine", shipped)
        # 5. course.yml, README, install scripts
        _write_docs(course, work, counts, wheel.name, out.name)
        # 6. verify before anything is moved into place
        files = _verify(work, secrets)
        if out.exists():
            shutil.rmtree(out)
        os.replace(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return Release(out, counts, out / "engine" / wheel.name, files, tuple(warnings))


def _write_stubs(course: Course, folder: Path, chapters: list[str]) -> dict[str, str]:
    """``folder/<chapter>.py``: the stubs generated from each solution module; chapter -> stub text."""
    from .stubgen import make_stub  # instructor-only: not in the student wheel

    folder.mkdir()
    stubs = {}
    for ch in chapters:
        src = course.solutions_dir / f"{ch}.py"
        if not src.is_file():
            raise CourseError(f"{src}: missing; every chapter in {COURSE_FILE} needs its solution module")
        stubs[ch] = make_stub(src.read_text(encoding="utf-8"), str(src))
        (folder / f"{ch}.py").write_text(stubs[ch], encoding="utf-8")
    return stubs


def _write_graders(course: Course, folder: Path, chapters: list[str],
                   secrets: dict[str, str]) -> tuple[list[Path], set[str], list[str]]:
    """``folder/test_<chapter>.py``: the visible checks of each grader.  Returns the files written,
    the checks withheld although visible (``chapter::test``), and a warning for each of them."""
    folder.mkdir()
    solution = {line: origin for line, origin in secrets.items() if origin.endswith("(solution)")}
    shipped: list[Path] = []
    withheld: set[str] = set()
    warnings: list[str] = []
    for ch in chapters:
        src = course.graders_dir / f"test_{ch}.py"
        if not src.is_file():
            continue
        dest = folder / src.name
        stripped, why = safe_grader(src.read_text(encoding="utf-8"), ch, str(src), solution)
        dest.write_text(stripped.text, encoding="utf-8")
        shipped.append(dest)
        for name in stripped.withheld:
            withheld.add(f"{ch}::{name}")
            reason = (f"its code shows a solution line ({why[name]})" if name in why else
                      "it uses the `reference` fixture, and students have no solutions")
            warnings.append(f"{src.name}::{name} is visible=True, but {reason}: withheld from the bundle "
                            "(counted as hidden). Compute its expected value another way to let students "
                            "run it.")
    return shipped, withheld, warnings


def _bundle_counts(course: Course, graders: Path, chapters: list[str],
                   withheld: set[str]) -> dict[str, dict[str, int]]:
    """Visible and hidden checks per stub, as the manifest states them: the bundle's ``graders``
    must collect exactly the visible ones the course's graders have (less those withheld)."""
    full = count_checks(course.graders_dir, chapters, by_test=True)
    bundled = count_checks(graders, chapters)
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
    return counts


def _write_docs(course: Course, work: Path, counts: dict[str, dict[str, int]], wheel: str, bundle: str) -> None:
    """course.yml, README.md and the install scripts of the bundle in ``work``."""
    shutil.copyfile(course.root / COURSE_FILE, work / COURSE_FILE)
    (work / "README.md").write_text(student_readme(course, counts, wheel=wheel, bundle=bundle), encoding="utf-8")
    install = work / "install.sh"
    install.write_text(install_script(INSTALL_SH, wheel), encoding="utf-8")
    install.chmod(0o755)
    (work / "install.ps1").write_text(install_script(INSTALL_PS1, wheel),
                                      encoding="utf-8-sig")   # BOM: Windows PowerShell 5 reads UTF-8 then


def _verify(work: Path, secrets: dict[str, str]) -> tuple[str, ...]:
    """Check the bundle in ``work`` (the course loads, the notebooks are valid, no secret line and no
    forbidden folder is in it); returns its files."""
    import nbformat

    load_course(work)
    for nb in sorted((work / "notebooks").glob("*.ipynb")):
        nbformat.validate(nbformat.read(nb, as_version=4))
    found = leaks(work, secrets)
    if found:
        raise CourseError("the bundle would carry solution or hidden-check code:\n  " + "\n  ".join(found[:20]))
    bad = [p for p in work.rglob("*") if p.name in FORBIDDEN_DIRS]
    if bad:
        raise CourseError(f"the bundle would hold {bad[0].relative_to(work)}")
    return tuple(sorted(p.relative_to(work).as_posix() for p in work.rglob("*") if p.is_file()))


__all__ = ["ENGINE_EXCLUDE", "MANIFEST", "Release", "Stripped", "build_wheel", "bundle_grader", "bundle_texts",
           "check_counts", "check_mark", "count_checks", "leaks", "release", "safe_grader", "secret_lines",
           "strip_hidden", "student_readme"]
