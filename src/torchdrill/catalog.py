"""Message catalogs: the English message ids the code shows people, and their translations.

One gettext domain (``torchdrill``) holds every text a student or instructor reads; the code keeps
English message ids and named parameters (:mod:`torchdrill.messages`), and renderers translate at
the edge (:mod:`torchdrill.i18n`).  ``locale/<lang>/LC_MESSAGES/torchdrill.po`` holds a language,
``torchdrill.mo`` is compiled from it; Babel extracts, merges and compiles::

    python -m torchdrill.catalog update     # extract the ids from the engine and graders/ into the .po
    #   ... translate the new entries (msgstr "") and clear any "fuzzy" flag ...
    python -m torchdrill.catalog compile    # write the .mo beside the .po
    python -m torchdrill.catalog check      # exit 1 when an id is missing, untranslated or the .mo stale

Several people translating at once each write a part (``LC_MESSAGES/parts/<name>.po``, entries with
msgid and msgstr only); ``compile`` and ``check`` read the parts too, and ``fold`` moves them into
the main .po.

What counts as a message id (only string literals: an f-string or computed text cannot be looked
up and stays English):

* ``_("...")``, ``gettext("...")``, ``N_("...")``, ``msg("...", **params)``, ``ngettext("one", "many", n)``;
* a check's title: ``check(stub, "title")``;
* grader feedback: ``wrong(summary, expected, got, hint)``, ``expect(condition, summary, expected,
  got, hint)``, ``Feedback.of(summary, expected, got, hint)`` and, in any call, the keywords
  ``summary= expected= got= hint= share_hint= dtype_hint= device_hint= what= title=``;
* ids that are nothing but placeholders (``"{code}"``) are not messages: nothing to translate.
"""
from __future__ import annotations

import ast
import io
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from .i18n import DOMAIN, LANGUAGES, LOCALE_DIR, SOURCE_LANGUAGE

GETTEXT_FUNCS = {"_": 1, "gettext": 1, "N_": 1, "msg": 1, "Msg": 1, "ngettext": 2}
FEEDBACK_POSITIONAL = {"wrong": (0, 1, 2, 3), "expect": (1, 2, 3, 4), "of": (0, 1, 2, 3), "check": (1,),
                       "WrongAnswer": (0, 1, 2, 3)}
FEEDBACK_KEYWORDS = ("summary", "expected", "got", "hint", "share_hint", "dtype_hint", "device_hint", "what",
                     "title")

Message = str | tuple[str, str]          # a plain id, or (singular, plural)


def call_name(func: ast.expr) -> str:
    """The name a call is made by: ``f`` for ``f(...)`` and ``mod.f(...)``; "" for anything else."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _text(node: ast.expr | None) -> str | None:
    """The literal text of a node (a string constant, or an f-string with nothing to fill in) when
    it has words to translate."""
    text = None
    if isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values):
        text = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    if not text or not any(c.isalpha() for c in re.sub(r"\{[^{}]*\}", "", text)):
        return None
    return text


def _alternatives(node: ast.expr) -> Iterator[tuple[ast.expr, str]]:
    """The literal texts a message argument may be, with their nodes: ``hint or "default"``,
    ``"a" if c else "b"``."""
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _alternatives(value)
    elif isinstance(node, ast.IfExp):
        yield from _alternatives(node.body)
        yield from _alternatives(node.orelse)
    elif text := _text(node):
        yield node, text


def messages_in_source(source: str | bytes, filename: str = "<string>") -> Iterator[tuple[int, str, Message]]:
    """(line, function, message id) for every message id in one Python source, in source order."""
    try:
        tree = ast.parse(source, filename=filename)
    except (SyntaxError, ValueError):
        return
    found: list[tuple[int, int, str, Message]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = call_name(node.func)
            if name in GETTEXT_FUNCS:
                if name == "ngettext" and len(node.args) >= 2:
                    one, many = _text(node.args[0]), _text(node.args[1])
                    if one and many:
                        found.append((node.lineno, node.col_offset, name, (one, many)))
                elif node.args and (text := _text(node.args[0])):
                    found.append((node.lineno, node.col_offset, name, text))
                continue
            parts = [node.args[i] for i in FEEDBACK_POSITIONAL.get(name, ()) if i < len(node.args)]
            parts += [kw.value for kw in node.keywords if kw.arg in FEEDBACK_KEYWORDS]
            for part in parts:
                for literal, text in _alternatives(part):
                    found.append((literal.lineno, literal.col_offset, name, text))
    for line, _col, name, message in sorted(found, key=lambda f: (f[0], f[1])):
        yield line, name, message


def extract(fileobj, keywords, comment_tags, options) -> Iterator[tuple[int, str | None, Message, list[str]]]:
    """A Babel extraction method (``method_map=[("**.py", "torchdrill.catalog:extract")]``)."""
    for line, _name, message in messages_in_source(fileobj.read(), getattr(fileobj, "name", "<string>")):
        yield line, ("ngettext" if isinstance(message, tuple) else None), message, []


def msgids(paths: Iterable[Path]) -> dict[str, list[str]]:
    """Every singular message id in these files (or folders of .py files) -> where it is used."""
    out: dict[str, list[str]] = {}
    for path in paths:
        files = sorted(Path(path).rglob("*.py")) if Path(path).is_dir() else [Path(path)]
        for file in files:
            if "__pycache__" in file.parts:
                continue
            for line, _name, message in messages_in_source(file.read_bytes(), str(file)):
                key = message[0] if isinstance(message, tuple) else message
                out.setdefault(key, []).append(f"{file}:{line}")
    return out


# --------------------------------------------------------------------------- .mo files (Babel)

def read_mo(data: bytes) -> dict[str, str]:
    """The entries of a GNU .mo file: message id ("id" or "id\\0plural") -> translation."""
    from babel.messages.mofile import read_mo as babel_read_mo

    out: dict[str, str] = {}
    for m in babel_read_mo(io.BytesIO(data)):
        key = m.id if isinstance(m.id, str) else "\0".join(m.id)
        out[key] = m.string if isinstance(m.string, str) else "\0".join(m.string or ())
    return out


def subset_mo(data: bytes, keep: Iterable[str]) -> bytes:
    """The same catalog with only the ids in ``keep`` (and the header)."""
    from babel.messages.mofile import read_mo as babel_read_mo
    from babel.messages.mofile import write_mo as babel_write_mo

    wanted = set(keep)
    catalog = babel_read_mo(io.BytesIO(data))
    for m in list(catalog):
        key = m.id if isinstance(m.id, str) else m.id[0]
        if key and key not in wanted:
            catalog.delete(m.id, context=m.context)
    buf = io.BytesIO()
    babel_write_mo(buf, catalog)
    return buf.getvalue()


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
        for filename, _lineno, message, comments, context in extract_from_dir(
                str(root), method_map, directory_filter=lambda d: "__pycache__" not in d):
            path = (root / filename).resolve()
            shown = str(path.relative_to(base)) if path.is_relative_to(base) else filename
            # no line number: the catalogs do not churn when code moves (Babel's annotation wants an int)
            template.add(message, None, [(shown, None)],  # type: ignore[list-item]
                         auto_comments=comments, context=context)
    return template


def _read_po(path: Path):
    from babel.messages.pofile import read_po

    with open(path, "rb") as f:
        return read_po(f, locale=path.parent.parent.name if path.parent.name == "LC_MESSAGES"
                       else path.parent.parent.parent.name, domain=DOMAIN)


def part_paths(po: Path) -> list[Path]:
    """Partial catalogs beside the main one (``LC_MESSAGES/parts/*.po``): translations written in
    parallel by several people, folded into the main .po by ``fold``."""
    return sorted((po.parent / "parts").glob("*.po"))


def merged(po: Path):
    """The main catalog with the parts' translations laid over it."""
    catalog = _read_po(po)
    for part in part_paths(po):
        for m in _read_po(part):
            if not m.id or not (m.string if isinstance(m.string, str) else all(m.string)):
                continue
            have = catalog.get(m.id, context=m.context)
            if have is None:
                catalog.add(m.id, m.string, locations=m.locations, flags=m.flags - {"fuzzy"},
                            context=m.context)
            else:                      # a part is newer than the main .po: its wording wins
                have.string, have.flags = m.string, have.flags - {"fuzzy"}
    return catalog


def compiled(po: Path) -> bytes:
    """What ``compile`` writes for this .po and its parts (fuzzy entries left out)."""
    from babel.messages.mofile import write_mo as babel_write_mo

    buf = io.BytesIO()
    babel_write_mo(buf, merged(po))
    return buf.getvalue()


def _write_po(po: Path, catalog) -> None:
    from babel.messages.pofile import write_po

    with open(po, "wb") as f:
        write_po(f, catalog, width=100, sort_output=True, include_lineno=False, ignore_obsolete=True)


def fold(lang: str = "ko") -> list[Path]:
    """Fold the parts into the main .po and remove them; returns the parts folded."""
    po = po_path(lang)
    parts = part_paths(po)
    _write_po(po, merged(po))
    for part in parts:
        part.unlink()
    return parts


def update(project_root: Path, lang: str = "ko") -> list[str]:
    """Merge the extracted ids into the .po (new ones untranslated; the parts' translations kept);
    returns the new ids."""

    template = extract_catalog(project_root)
    po = po_path(lang)
    if not po.is_file():
        _new_po(po, lang)
    catalog = merged(po)
    before = {m.id for m in catalog if m.id}
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    catalog.obsolete.clear()
    if lang == SOURCE_LANGUAGE:
        for m in catalog:           # the ids are English: an entry starts as its id, then may be reworded
            if m.id and not (m.string if isinstance(m.string, str) else m.string and all(m.string)):
                m.string = m.id
            m.flags.discard("fuzzy")
    _write_po(po, catalog)
    return sorted((m.id if isinstance(m.id, str) else m.id[0]) for m in catalog
                  if m.id and m.id not in before)


def _new_po(po: Path, lang: str) -> None:
    from babel.messages.catalog import Catalog

    po.parent.mkdir(parents=True, exist_ok=True)
    _write_po(po, Catalog(locale=lang, domain=DOMAIN, project="torchdrill", charset="utf-8"))


def compile_catalog(lang: str = "ko") -> Path:
    out = mo_path(lang)
    out.write_bytes(compiled(po_path(lang)))
    return out


def problems(project_root: Path, lang: str = "ko", *, scope: str = "all") -> list[str]:
    """Why the catalog is not ready, one line each: an id the code uses that the .po lacks or has
    untranslated or fuzzy, a stale .mo.  ``scope``: "engine" (ids used by the engine, and the .mo),
    "graders" (ids used only by graders/) or "all"."""
    catalog = merged(po_path(lang))
    entries = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}
    engine = Path(__file__).resolve().parent
    out = []
    for msgid, where in sorted(msgids(source_roots(project_root)).items()):
        in_engine = any(Path(w.rsplit(":", 1)[0]).resolve().is_relative_to(engine) for w in where)
        if scope != "all" and in_engine != (scope == "engine"):
            continue
        entry = entries.get(msgid)
        if entry is None:
            out.append(f"missing from {lang}/{po_path(lang).name}: {msgid!r} (used at {where[0]})")
        elif (entry.fuzzy or not (entry.string if isinstance(entry.string, str) else all(entry.string))):
            out.append(f"not translated (or fuzzy) in {lang}: {msgid!r} (used at {where[0]})")
    mo = mo_path(lang)
    if scope != "graders" and (not mo.is_file() or read_mo(mo.read_bytes()) != read_mo(compiled(po_path(lang)))):
        out.append(f"{mo.name} is stale: it was not compiled from the current {po_path(lang).name}")
    return out


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m torchdrill.catalog", description=__doc__.split("\n\n")[0])
    p.add_argument("action", choices=["update", "compile", "check", "fold"])
    p.add_argument("--root", type=Path, default=Path("."), help="the project root (holding graders/)")
    p.add_argument("--lang", default="all", help="one language, or all (the default)")
    args = p.parse_args(argv)
    languages = LANGUAGES if args.lang == "all" else (args.lang,)
    if args.action == "update":
        for lang in languages:
            new = update(args.root, lang)
            print(f"{po_path(lang)}: {len(new)} new message(s)" + (" to translate" if lang != SOURCE_LANGUAGE else ""))
            for msgid in new if lang != SOURCE_LANGUAGE else ():
                print(f"  {msgid!r}")
        return 0
    if args.action == "fold":
        for lang in languages:
            print(f"folded {len(fold(lang))} part(s) into {po_path(lang)}")
        return 0
    if args.action == "compile":
        for lang in languages:
            print(f"wrote {compile_catalog(lang)}")
        return 0
    found = [line for lang in languages for line in problems(args.root, lang)]
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
