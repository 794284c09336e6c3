"""Message catalogs: which English texts the code shows students, and the compiled Korean ones.

Every student-facing text is an English message id looked up through gettext (``i18n.py``);
``locale/ko/LC_MESSAGES/torchdrill.po`` holds the Korean and ``torchdrill.mo`` is compiled from it.
Keeping them in step is Babel's job (a test extra, never needed at run time)::

    python -m torchdrill.catalog update     # extract the ids from the engine and graders/ into the .po
    #   ... translate the new entries (msgstr "") and clear any "fuzzy" flag ...
    python -m torchdrill.catalog compile    # write the .mo beside the .po
    python -m torchdrill.catalog check      # exit 1 when an id is missing, untranslated or the .mo stale

What counts as a message id (only string literals: an f-string or computed text cannot be looked
up and stays English):

* ``_("...")``, ``gettext("...")``, ``N_("...")``, ``ngettext("one", "many", n)``;
* grader feedback, translated when it is shown (``feedback.WrongAnswer.render``):
  ``wrong(summary, expected, got, hint)``, ``expect(condition, summary, expected, got, hint)`` and
  the keywords ``summary= expected= got= hint= share_hint= what=`` of ``wrong``/``expect``/``expect_*``;
* message tables: the text values of module-level dict literals named in :data:`MESSAGE_TABLES`.

The rest of this module (extraction, reading and writing ``.mo`` files, keeping a subset of a
catalog) is standard library only: ``torchdrill release`` uses it to ship students a catalog
without the texts of the checks they do not get.
"""
from __future__ import annotations

import ast
import struct
import sys
from pathlib import Path
from typing import Iterable, Iterator

from .i18n import DOMAIN, LOCALE_DIR

GETTEXT_FUNCS = {"_": 1, "gettext": 1, "N_": 1, "ngettext": 2}
FEEDBACK_POSITIONAL = {"wrong": (0, 1, 2, 3), "expect": (1, 2, 3, 4)}
FEEDBACK_KEYWORDS = ("summary", "expected", "got", "hint", "share_hint", "what")
MESSAGE_TABLES = ("_LABELS", "_EXIT_HINTS")

Message = str | tuple[str, str]          # a plain id, or (singular, plural)


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _text(node: ast.expr | None) -> str | None:
    """The literal text of a node: a string constant, or an f-string with nothing to fill in."""
    if isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values):
        text = "".join(v.value for v in node.values)
        return text or None
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value:
        return node.value
    return None


def messages_in_source(source: str | bytes, filename: str = "<string>") -> Iterator[tuple[int, str, Message]]:
    """(line, function, message id) for every message id in one Python source, in source order."""
    try:
        tree = ast.parse(source, filename=filename)
    except (SyntaxError, ValueError):
        return
    found: list[tuple[int, int, str, Message]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in GETTEXT_FUNCS:
                if name == "ngettext" and len(node.args) >= 2:
                    one, many = _text(node.args[0]), _text(node.args[1])
                    if one and many:
                        found.append((node.lineno, node.col_offset, name, (one, many)))
                elif node.args and _text(node.args[0]):
                    found.append((node.lineno, node.col_offset, name, _text(node.args[0])))
                continue
            if name in FEEDBACK_POSITIONAL or name.startswith("expect_"):
                for i in FEEDBACK_POSITIONAL.get(name, ()):
                    if i < len(node.args) and _text(node.args[i]):
                        found.append((node.args[i].lineno, node.args[i].col_offset, name, _text(node.args[i])))
                for kw in node.keywords:
                    if kw.arg in FEEDBACK_KEYWORDS and _text(kw.value):
                        found.append((kw.value.lineno, kw.value.col_offset, name, _text(kw.value)))
    for stmt in tree.body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and isinstance(stmt.value, ast.Dict):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if any(isinstance(t, ast.Name) and t.id in MESSAGE_TABLES for t in targets):
                for value in stmt.value.values:
                    if _text(value):
                        found.append((value.lineno, value.col_offset, "table", _text(value)))
    for line, _col, name, message in sorted(found, key=lambda f: (f[0], f[1])):
        yield line, name, message


def extract(fileobj, keywords, comment_tags, options) -> Iterator[tuple[int, str, Message, list[str]]]:
    """A Babel extraction method (``method_map=[("**.py", "torchdrill.catalog:extract")]``)."""
    for line, name, message in messages_in_source(fileobj.read(), getattr(fileobj, "name", "<string>")):
        yield line, ("ngettext" if isinstance(message, tuple) else None), message, []


def msgids(paths: Iterable[Path]) -> dict[str, list[str]]:
    """Every singular message id in these files (or folders of .py files) -> where it is used."""
    out: dict[str, list[str]] = {}
    for path in paths:
        files = sorted(Path(path).rglob("*.py")) if Path(path).is_dir() else [Path(path)]
        for file in files:
            if "__pycache__" in file.parts:
                continue
            for line, _name_, message in messages_in_source(file.read_bytes(), str(file)):
                key = message[0] if isinstance(message, tuple) else message
                out.setdefault(key, []).append(f"{file}:{line}")
    return out


# --------------------------------------------------------------------------- .mo files

def read_mo(data: bytes) -> dict[str, str]:
    """The entries of a GNU .mo file as raw strings: original ("id" or "id\\0plural") -> translation."""
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0x950412DE else ">" if magic == 0xDE120495 else None
    if order is None:
        raise ValueError("not a GNU .mo file")
    _rev, count, orig_at, trans_at = struct.unpack(order + "4I", data[4:20])
    out = {}
    for i in range(count):
        olen, ooff = struct.unpack(order + "2I", data[orig_at + 8 * i: orig_at + 8 * i + 8])
        tlen, toff = struct.unpack(order + "2I", data[trans_at + 8 * i: trans_at + 8 * i + 8])
        out[data[ooff:ooff + olen].decode("utf-8")] = data[toff:toff + tlen].decode("utf-8")
    return out


def write_mo(entries: dict[str, str]) -> bytes:
    """A GNU .mo file (little-endian, no hash table) holding ``entries`` as :func:`read_mo` gives them."""
    keys = sorted(entries)
    ids = [k.encode("utf-8") for k in keys]
    strs = [entries[k].encode("utf-8") for k in keys]
    n = len(keys)
    orig_at, trans_at = 28, 28 + 8 * n
    data_at = 28 + 16 * n
    blob, otable, ttable = b"", [], []
    for raw in ids:
        otable.append((len(raw), data_at + len(blob)))
        blob += raw + b"\0"
    for raw in strs:
        ttable.append((len(raw), data_at + len(blob)))
        blob += raw + b"\0"
    head = struct.pack("<7I", 0x950412DE, 0, n, orig_at, trans_at, 0, 0)
    tables = b"".join(struct.pack("<2I", *e) for e in otable) + b"".join(struct.pack("<2I", *e) for e in ttable)
    return head + tables + blob


def subset_mo(data: bytes, keep: Iterable[str]) -> bytes:
    """The same catalog with only the ids in ``keep`` (and the header)."""
    wanted = set(keep)
    entries = read_mo(data)
    return write_mo({k: v for k, v in entries.items()
                     if k == "" or k.split("\0")[0].split("\x04")[-1] in wanted})


def mo_path(lang: str = "ko") -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"


def po_path(lang: str = "ko") -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


# --------------------------------------------------------------------------- Babel (maintainers only)

def source_roots(project_root: Path) -> list[Path]:
    """Where message ids live: the engine package and the course's graders."""
    roots = [Path(__file__).parent]
    graders = Path(project_root) / "graders"
    if graders.is_dir():
        roots.append(graders)
    return roots


def extract_catalog(project_root: Path):
    """A Babel Catalog (the template) of every message id in the engine and graders/."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    template = Catalog(domain=DOMAIN, project="torchdrill", charset="utf-8")
    method_map = [("**.py", "torchdrill.catalog:extract")]
    for root in source_roots(project_root):
        base = Path(project_root).resolve()
        for filename, lineno, message, comments, context in extract_from_dir(
                str(root), method_map, directory_filter=lambda d: "__pycache__" not in d):
            path = (root / filename).resolve()
            shown = str(path.relative_to(base)) if path.is_relative_to(base) else filename
            template.add(message, None, [(shown, None)], auto_comments=comments, context=context)
    return template


def _read_po(path: Path):
    from babel.messages.pofile import read_po

    with open(path, "rb") as f:
        return read_po(f, locale=path.parent.parent.name, domain=DOMAIN)


def compiled(po: Path) -> bytes:
    """What ``compile`` writes for this .po (fuzzy entries left out)."""
    import io

    from babel.messages.mofile import write_mo as babel_write_mo

    buf = io.BytesIO()
    babel_write_mo(buf, _read_po(po))
    return buf.getvalue()


def update(project_root: Path, lang: str = "ko") -> list[str]:
    """Merge the extracted ids into the .po (new ones untranslated); returns the new ids."""
    from babel.messages.pofile import write_po

    template = extract_catalog(project_root)
    po = po_path(lang)
    catalog = _read_po(po)
    before = {m.id for m in catalog if m.id}
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    catalog.obsolete.clear()
    with open(po, "wb") as f:
        write_po(f, catalog, width=100, sort_output=True, include_lineno=False, ignore_obsolete=True)
    return sorted((m.id if isinstance(m.id, str) else m.id[0]) for m in catalog
                  if m.id and m.id not in before)


def compile_catalog(lang: str = "ko") -> Path:
    out = mo_path(lang)
    out.write_bytes(compiled(po_path(lang)))
    return out


def problems(project_root: Path, lang: str = "ko", *, scope: str = "all") -> list[str]:
    """Why the catalog is not ready, one line each: an id the code uses that the .po lacks, an
    engine id left untranslated or fuzzy, a stale .mo.  ``scope``: "engine" (ids used by the
    engine, and the .mo), "graders" (ids used only by graders/) or "all"."""
    catalog = _read_po(po_path(lang))
    entries = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}
    engine = Path(__file__).resolve().parent
    out = []
    for msgid, where in sorted(msgids(source_roots(project_root)).items()):
        in_engine = any(Path(w.rsplit(":", 1)[0]).resolve().is_relative_to(engine) for w in where)
        if scope != "all" and in_engine != (scope == "engine"):
            continue
        entry = entries.get(msgid)
        if entry is None:
            out.append(f"missing from {po_path(lang).name}: {msgid!r} (used at {where[0]})")
        elif in_engine and (entry.fuzzy or not (entry.string if isinstance(entry.string, str) else all(entry.string))):
            out.append(f"not translated (or fuzzy): {msgid!r} (used at {where[0]})")
    mo = mo_path(lang)
    if scope != "graders" and (not mo.is_file() or read_mo(mo.read_bytes()) != read_mo(compiled(po_path(lang)))):
        out.append(f"{mo.name} is stale: it was not compiled from the current {po_path(lang).name}")
    return out


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m torchdrill.catalog", description=__doc__.split("\n\n")[0])
    p.add_argument("action", choices=["update", "compile", "check"])
    p.add_argument("--root", type=Path, default=Path("."), help="the project root (holding graders/)")
    p.add_argument("--lang", default="ko")
    args = p.parse_args(argv)
    if args.action == "update":
        new = update(args.root, args.lang)
        print(f"{po_path(args.lang)}: {len(new)} new message(s) to translate")
        for msgid in new:
            print(f"  {msgid!r}")
        return 0
    if args.action == "compile":
        print(f"wrote {compile_catalog(args.lang)}")
        return 0
    found = problems(args.root, args.lang)
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
