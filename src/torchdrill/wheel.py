"""The engine as a pure-Python wheel for students, written without any build tool.

Deterministic bytes (fixed timestamps, sorted members), the dependencies of the installed
torchdrill, no instructor-only module (:data:`ENGINE_EXCLUDE`) and no catalog source; the Korean
catalog is cut down to the texts of the engine and of the graders the bundle ships, so texts that
only hidden checks show never reach students.
"""
from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

from .errors import CourseError

#: instructor-only engine modules left out of the student wheel (stubgen's docstring shows a
#: solution region as its example)
ENGINE_EXCLUDE = ("stubgen.py",)


def _engine_dir() -> Path:
    return Path(__file__).resolve().parent


def engine_files() -> dict[str, Path]:
    """Package-relative name -> file, of everything the student wheel ships from the engine
    (catalog sources and instructor-only modules left out; .mo files are replaced)."""
    pkg = _engine_dir()
    out = {}
    for path in sorted(pkg.rglob("*")):
        rel = path.relative_to(pkg).as_posix()
        if not path.is_file() or "__pycache__" in path.parts or path.suffix in (".pyc", ".po", ".pot") \
                or rel in ENGINE_EXCLUDE:
            continue
        out[rel] = path
    return out


def _metadata() -> tuple[str, str, list[str], str]:
    from importlib import metadata

    from . import __version__

    try:
        meta = metadata.metadata("torchdrill")
    except metadata.PackageNotFoundError:
        raise CourseError("torchdrill is not installed (pip install -e .); the wheel takes its dependencies "
                          "from the installed metadata") from None
    requires = [r for r in (meta.get_all("Requires-Dist") or []) if "extra" not in r.partition(";")[2]]
    summary = (meta.get_all("Summary") or [""])[0]
    python = (meta.get_all("Requires-Python") or [">=3.10"])[0]
    return __version__, summary, requires, python


def build_wheel(out_dir: Path, graders: list[Path]) -> Path:
    """A pure-Python wheel of the engine, written without any build tool (deterministic bytes)."""
    from .catalog import msgids, subset_mo

    version, summary, requires, python = _metadata()
    files = engine_files()
    keep = set(msgids([p for name, p in files.items() if name.endswith(".py")] + list(graders)))
    members: dict[str, bytes] = {}
    for rel, path in files.items():
        data = path.read_bytes()
        if rel.startswith("locale/") and rel.endswith(".mo"):
            data = subset_mo(data, keep)
        members[f"torchdrill/{rel}"] = data
    info = f"torchdrill-{version}.dist-info"
    members[f"{info}/METADATA"] = "\n".join(
        ["Metadata-Version: 2.1", "Name: torchdrill", f"Version: {version}", f"Summary: {summary}",
         f"Requires-Python: {python}", *(f"Requires-Dist: {r}" for r in requires)]).encode() + b"\n"
    members[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: torchdrill release\nRoot-Is-Purelib: true\n"
                                b"Tag: py3-none-any\n")
    members[f"{info}/entry_points.txt"] = b"[console_scripts]\ntorchdrill = torchdrill.cli:main\n"
    record = []
    for name, data in members.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    members[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = Path(out_dir) / f"torchdrill-{version}-py3-none-any.whl"
    wheel.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            zi.external_attr = 0o644 << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zi, data)
    return wheel
