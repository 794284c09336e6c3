"""A Gradescope autograder zip, as Gradescope documents it (autograder_samples docs/specs.md).

What Gradescope does with it: it unpacks the zip into ``/autograder/source``, runs ``setup.sh``
there once (as root, when it builds the image), copies ``run_autograder`` to
``/autograder/run_autograder``, and for every submission puts the student's files in
``/autograder/submission``, runs ``/autograder/run_autograder`` and reads
``/autograder/results/results.json``.

The zip holds, at its root::

    setup.sh          python3 + venv, torch (CPU build), the engine
    run_autograder    torchdrill grade /autograder/submission --json /autograder/results/results.json
    course.yml        the course, with its limits and points
    solutions/        the reference modules (reference callees for the graders)
    graders/          the hidden graders
    engine/           torchdrill itself: pyproject.toml, README.md, src/torchdrill/

It holds the hidden graders and the solutions: it is for staff only, never for students.

Two environment variables make the scripts run outside Gradescope (tests, local dry runs):
``TORCHDRILL_AUTOGRADER_ROOT`` (default ``/autograder``) and ``TORCHDRILL_PYTHON`` (the Python
with torch and torchdrill; default the venv setup.sh makes, ``$ROOT/venv/bin/python``).
``run_autograder`` always leaves a valid results.json: when torchdrill cannot run at all (or runs
past the time limit) it writes score 0 with one "grader error, not your fault" test.
Nothing here imports torch.
"""
from __future__ import annotations

import io
import json
import os
import shlex
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import TORCH_VERSION
from .course import Course
from .errors import CourseError, UsageError
from .fsutil import write_atomic

ROOT_ENV = "TORCHDRILL_AUTOGRADER_ROOT"
PYTHON_ENV = "TORCHDRILL_PYTHON"
PYTHON_MIN = (3, 10)              # pyproject.toml's requires-python
TORCH_INDEX_ENV = "TORCHDRILL_TORCH_INDEX_URL"
TORCH_LINKS_ENV = "TORCHDRILL_TORCH_FIND_LINKS"
_EPOCH = (1980, 1, 1, 0, 0, 0)    # fixed timestamps: the same inputs give the same zip, byte for byte
_EXEC = 0o100755 << 16
_FILE = 0o100644 << 16
_SKIP_DIRS = {"__pycache__", ".pytest_cache", ".git"}

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu 22.04 by
# default), after unpacking the zip into /autograder/source.  Made by `torchdrill gradescope`.
# It installs the CPU build of torch (Gradescope graders have no GPU; the default PyPI build is
# the CUDA one, several GB) and the engine into $ROOT/venv.  Settings, all optional:
#   TORCHDRILL_SETUP_PYTHON      the Python to build the venv with (default python3; @PYMIN@ or newer)
#   TORCHDRILL_TORCH_INDEX_URL   where torch comes from (default PyTorch's CPU index,
#                                https://download.pytorch.org/whl/cpu); a mirror of it, or empty
#                                for pip's own index
#   TORCHDRILL_TORCH_FIND_LINKS  a folder or URL of wheels searched as well (pip --find-links)
#   TORCHDRILL_AUTOGRADER_ROOT   another root than /autograder (a simulated tree, for tests)
set -euo pipefail
ROOT="${TORCHDRILL_AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
PY="${TORCHDRILL_SETUP_PYTHON:-python3}"
TORCH_INDEX="${TORCHDRILL_TORCH_INDEX_URL-https://download.pytorch.org/whl/cpu}"
TORCH_LINKS="${TORCHDRILL_TORCH_FIND_LINKS:-}"
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1
say() { echo "setup.sh: $*"; }

# 1. a Python that can make a venv (apt only when it is missing)
if ! "$PY" -c "import ensurepip, venv" >/dev/null 2>&1; then
    say "installing python3, python3-venv and python3-pip with apt-get"
    apt-get update -q
    apt-get install -y -q --no-install-recommends python3 python3-venv python3-pip ca-certificates
fi
if ! command -v "$PY" >/dev/null 2>&1; then
    say "no Python found ($PY); set TORCHDRILL_SETUP_PYTHON to a Python @PYMIN@ or newer" >&2
    exit 1
fi
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (@PYMIN_TUPLE@) else 1)'; then
    found=$("$PY" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null || echo unknown)
    say "torchdrill needs Python @PYMIN@ or newer, and $PY is Python $found." >&2
    say "On Gradescope pick the Ubuntu 22.04 base image (Python 3.10) or newer, or set" >&2
    say "TORCHDRILL_SETUP_PYTHON to a newer Python (for example python3.11)." >&2
    exit 1
fi
say "$("$PY" -c 'import sys; print("Python %d.%d.%d" % sys.version_info[:3])') at $(command -v "$PY")"
"$PY" -m venv "$ROOT/venv"
PIP="$ROOT/venv/bin/pip"
VPY="$ROOT/venv/bin/python"

# 2. torch @TORCH@, the CPU build
torch_args=()
[ -n "$TORCH_INDEX" ] && torch_args+=(--index-url "$TORCH_INDEX")
[ -n "$TORCH_LINKS" ] && torch_args+=(--find-links "$TORCH_LINKS")
say "installing torch==@TORCH@ (CPU build) from ${TORCH_INDEX:-the default index}${TORCH_LINKS:+ and $TORCH_LINKS}"
"$PIP" install -q "torch==@TORCH@" ${torch_args[@]+"${torch_args[@]}"}
if ! "$VPY" -W ignore -c 'import sys, torch; sys.exit(0 if torch.version.cuda is None else 1)'; then
    say "the torch installed is a CUDA build; Gradescope has no GPU and the image would be several GB." >&2
    say "Point TORCHDRILL_TORCH_INDEX_URL at PyTorch's CPU index (or a mirror of it)." >&2
    exit 1
fi

# 3. the engine (torchdrill), from the copy in this zip; torch is already there
"$PIP" install -q "$SOURCE/engine"
"$VPY" -c "import torch, torchdrill as td; print('setup.sh: torch', torch.__version__, '- torchdrill', td.__version__)"

# the hidden graders and the solutions: readable by the grading process (root) only
chmod -R go-rwx "$SOURCE/graders" "$SOURCE/solutions"
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission, as root: it grades /autograder/submission with
# torchdrill and writes /autograder/results/results.json.  Made by `torchdrill gradescope`.
#   TORCHDRILL_AUTOGRADER_ROOT  another root than /autograder (a simulated tree, for tests)
#   TORCHDRILL_PYTHON           the Python that has torch and torchdrill (default: setup.sh's venv)
# Whatever happens, a valid results.json is left behind and the exit status is 0.
set -u
ROOT="${TORCHDRILL_AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
PY="${TORCHDRILL_PYTHON:-$ROOT/venv/bin/python}"
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
rm -f "$RESULTS"
cd "$SOURCE" || cd /

# the time limit stays under Gradescope's own (set the assignment's timeout above @LIMIT@ s):
# a run Gradescope kills gets 0 with no feedback at all, one we stop still gets a result file.
timeout -k 10 @LIMIT@ "$PY" -m torchdrill grade "$ROOT/submission" --json "$RESULTS" \\
    --course "$SOURCE/course.yml" @ARGS@
status=$?
echo "torchdrill grade: exit status $status"

if [ ! -s "$RESULTS" ]; then
  cat > "$RESULTS" <<'JSON'
@FALLBACK@
JSON
  echo "torchdrill wrote no results; a grader-error result was written instead"
fi
exit 0
"""


@dataclass(frozen=True)
class ZipContents:
    path: Path
    names: tuple[str, ...]
    points: float
    args: tuple[str, ...]
    limit: int                       # seconds run_autograder gives torchdrill before writing a grader error


def fallback_results(points: float, lang: str) -> dict[str, Any]:
    """The results.json run_autograder writes when torchdrill itself could not run."""
    from .messages import GRADER_ERROR, render
    from .render.gradescope import outcome_label
    from .results import Outcome

    text, label = render(GRADER_ERROR, lang), outcome_label(Outcome.GRADER_ERROR, lang)
    return {
        "score": 0.0,
        "output": text,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"grading_failed": True},
        "tests": [{"name": "torchdrill: grading", "number": "0.1", "score": 0.0, "max_score": round(points, 4),
                   "status": "failed", "output": f"[{label}] {text}", "output_format": "text",
                   "visibility": "visible", "tags": ["grader_error"]}],
    }


def grade_args(*, lang: str | None, only: str | None, device: str) -> list[str]:
    args = ["--device", device]
    if lang:
        args += ["--lang", lang]
    if only:
        args += ["--only", only]
    return args


def run_autograder_script(*, args: list[str], limit: int, fallback: dict[str, Any]) -> str:
    return (RUN_AUTOGRADER.replace("@ARGS@", " ".join(shlex.quote(a) for a in args))
            .replace("@LIMIT@", str(int(limit)))
            .replace("@FALLBACK@", json.dumps(fallback, ensure_ascii=False, indent=2)))


def setup_script(torch_version: str = TORCH_VERSION, python_min: tuple[int, int] = PYTHON_MIN) -> str:
    return (SETUP_SH.replace("@TORCH@", torch_version).replace("@PYMIN_TUPLE@", ", ".join(map(str, python_min)))
            .replace("@PYMIN@", ".".join(map(str, python_min))))


def build_zip(out: Path, course: Course, *, lang: str | None = None, only: str | None = None,
              device: str = "cpu", time_limit: int | None = None) -> ZipContents:
    """Write the autograder zip to ``out``.  ``only``: grade one chapter (or stub) per assignment."""
    out = Path(out)
    if out.suffix != ".zip":
        raise UsageError(f"{out}: the autograder must be a .zip file (Gradescope uploads only zips)")
    selected = course.select(only)                      # unknown names fail here, with a did-you-mean
    points = float(sum(ch.stubs[s] for ch, stubs in selected for s in stubs))
    missing = [f"graders/test_{ch.id}.py" for ch, _ in selected
               if not (course.graders_dir / f"test_{ch.id}.py").is_file()]
    if missing:
        raise CourseError(f"no grader for {', '.join(missing)}: a zip without it would give every student a "
                          "grader error; write the grader first, or build the zip with --only CHAPTER")
    limit = time_limit or int(course.limits.submission_seconds) + 120
    args = grade_args(lang=lang, only=only, device=device)
    entries: dict[str, tuple[bytes, int]] = {
        "setup.sh": (setup_script().encode(), _EXEC),
        "run_autograder": (run_autograder_script(args=args, limit=limit,
                                                 fallback=fallback_results(points, lang or course.language)).encode(),
                           _EXEC),
        "course.yml": ((course.root / "course.yml").read_bytes(), _FILE),
    }
    for folder in ("solutions", "graders"):
        for rel, data in _tree(course.root / folder):
            entries[f"{folder}/{rel}"] = (data, _FILE)
    for rel, data in engine_files():
        entries[f"engine/{rel}"] = (data, _FILE)

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name in sorted(entries):
            data, mode = entries[name]
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = mode
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    write_atomic(out, buffer.getvalue())
    return ZipContents(path=out, names=tuple(sorted(entries)), points=points, args=tuple(args), limit=limit)


def _tree(folder: Path) -> Iterator[tuple[str, bytes]]:
    """(relative name, bytes) of every regular file under ``folder``, sorted; caches, dot files
    and symlinks left out."""
    if not folder.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
        for f in sorted(filenames):
            p = Path(dirpath) / f
            if f.startswith(".") or f.endswith((".pyc", ".pyo")) or p.is_symlink() or not p.is_file():
                continue
            yield p.relative_to(folder).as_posix(), p.read_bytes()


def engine_files() -> Iterator[tuple[str, bytes]]:
    """The engine as an installable project: ``pyproject.toml``, ``README.md`` and
    ``src/torchdrill/…`` from the checkout torchdrill runs from; when it runs from an installed
    wheel (no checkout), a minimal pyproject.toml made from the installed metadata."""
    import torchdrill

    package = Path(torchdrill.__file__).resolve().parent
    project = package.parent.parent
    pyproject = project / "pyproject.toml"
    if pyproject.is_file() and 'name = "torchdrill"' in pyproject.read_text(encoding="utf-8"):
        yield "pyproject.toml", pyproject.read_bytes()
        readme = project / "README.md"
        yield "README.md", readme.read_bytes() if readme.is_file() else b"# torchdrill\n"
    else:
        yield "pyproject.toml", minimal_pyproject().encode()
        yield "README.md", b"# torchdrill\n"
    for rel, data in _tree(package):
        yield f"src/torchdrill/{rel}", data


def minimal_pyproject() -> str:
    """A pyproject.toml for the engine from the installed distribution's metadata."""
    from importlib import metadata

    dist = metadata.distribution("torchdrill")
    requires = [r for r in (dist.requires or []) if "extra ==" not in r]
    deps = "".join(f"  {json.dumps(r)},\n" for r in requires)
    return (
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "torchdrill"\nversion = {json.dumps(dist.version)}\nreadme = "README.md"\n'
        f'requires-python = ">=3.10"\ndependencies = [\n{deps}]\n\n'
        '[project.scripts]\ntorchdrill = "torchdrill.cli:main"\n\n'
        '[tool.setuptools.packages.find]\nwhere = ["src"]\n\n'
        '[tool.setuptools.package-data]\ntorchdrill = ["locale/*/LC_MESSAGES/*.mo", "locale/*/LC_MESSAGES/*.po", '
        '"data/*", "grading/pytest.ini"]\n'
    )
