"""wheel.py: the engine as a pure-Python wheel for students, written without a build tool:
deterministic bytes, a RECORD that pip accepts, no instructor-only module, no catalog source, and
a Korean catalog cut down to the texts of the engine and of the graders shipped."""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from torchdrill import __version__, catalog, wheel


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, root: Path) -> tuple[Path, Path]:
    shipped = root / "graders" / "test_ex05_no_grad.py"
    return wheel.build_wheel(tmp_path_factory.mktemp("wheel"), [shipped]), shipped


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_engine_files_leave_out_instructor_modules_catalog_sources_and_caches():
    files = wheel.engine_files()
    assert "__init__.py" in files and "grading/plugin.py" in files and "locale/ko/LC_MESSAGES/torchdrill.mo" in files
    for excluded in wheel.ENGINE_EXCLUDE:
        assert excluded not in files
    assert not [n for n in files if n.endswith((".po", ".pot", ".pyc")) or "__pycache__" in n]
    assert all(path.is_file() and path.as_posix().endswith(name) for name, path in files.items())


def test_the_wheel_is_named_by_version_and_its_bytes_do_not_change(built, tmp_path: Path):
    path, shipped = built
    assert path.name == f"torchdrill-{__version__}-py3-none-any.whl"
    again = wheel.build_wheel(tmp_path, [shipped])
    assert again.read_bytes() == path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_the_wheel_holds_the_engine_and_its_metadata(built):
    members = _members(built[0])
    info = f"torchdrill-{__version__}.dist-info"
    engine = {n.removeprefix("torchdrill/") for n in members if n.startswith("torchdrill/")}
    assert engine == set(wheel.engine_files())
    assert "torchdrill/stubgen.py" not in members
    meta = members[f"{info}/METADATA"].decode()
    assert "Name: torchdrill\n" in meta and f"Version: {__version__}\n" in meta and "Requires-Dist: " in meta
    assert b"Root-Is-Purelib: true" in members[f"{info}/WHEEL"]
    assert members[f"{info}/entry_points.txt"] == b"[console_scripts]\ntorchdrill = torchdrill.cli:main\n"


def test_record_lists_every_member_with_its_hash_and_size(built):
    members = _members(built[0])
    info = f"torchdrill-{__version__}.dist-info"
    rows = list(csv.reader(io.StringIO(members[f"{info}/RECORD"].decode())))
    assert {r[0] for r in rows} == set(members)
    for name, digest, size in rows:
        if name == f"{info}/RECORD":
            assert (digest, size) == ("", "")
            continue
        data = members[name]
        expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert (digest, size) == (f"sha256={expected}", str(len(data)))


def test_the_catalog_keeps_the_texts_of_the_engine_and_the_shipped_graders_only(built, root: Path):
    path, shipped = built
    shipped_mo = catalog.read_mo(_members(path)["torchdrill/locale/ko/LC_MESSAGES/torchdrill.mo"])
    full = catalog.read_mo(catalog.mo_path("ko").read_bytes())
    engine_ids = set(catalog.msgids([root / "src" / "torchdrill"]))
    shipped_ids = set(catalog.msgids([shipped]))
    other_ids = set(catalog.msgids([root / "graders"])) - shipped_ids - engine_ids
    assert other_ids, "the other graders have texts of their own"
    kept = {k.split("\0")[0] for k in shipped_mo if k}
    assert not kept & other_ids                     # texts only other graders show never ship
    assert (shipped_ids & set(full)) <= kept
    assert "passed" in full and "passed" in kept    # an engine text
    assert all(shipped_mo[k] == full[k] for k in shipped_mo)
