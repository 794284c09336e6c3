"""catalog.py: finding message ids in Python source (the Babel extractor), and reading and cutting
down compiled .mo catalogs.  The catalogs' contents (complete, compiled, no unused entry) are
tested in test_i18n.py."""
from __future__ import annotations

import io
from pathlib import Path

from torchdrill import catalog


def test_extraction_finds_gettext_feedback_and_tables_but_not_computed_text():
    src = '''
_LABELS = {1: N_("passed"), 2: N_("wrong answer"), 3: "not marked"}
def f(x, n):
    _("plain {name}").format(name=x)
    ngettext("{n} check", "{n} checks", n)
    checks.expect(x, "summary s", "expected e", "got g", "hint h")
    wrong("w summary", "w expected")
    checks.expect_tensor(x, x, what="the thing", hint="a hint", share_hint="share it")
    checks.expect(x, f"computed {x}", f"no placeholders")
    other("not a message", what="a message: what= in any call")
    msg("{func} returned {n} values", func="f", n=3)
    code("{shape}")
'''
    ids = [m for _line, _fn, m in catalog.messages_in_source(src)]
    assert ids == ["passed", "wrong answer", "plain {name}", ("{n} check", "{n} checks"), "summary s",
                   "expected e", "got g", "hint h", "w summary", "w expected", "the thing", "a hint", "share it",
                   "no placeholders", "a message: what= in any call", "{func} returned {n} values"]


def test_subset_mo_keeps_only_the_ids_asked_for():
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    source = Catalog(locale="ko", domain="torchdrill")
    for msgid, text in (("a", "가"), ("b", "나"), (("one", "many"), ("하나",))):
        source.add(msgid, text)
    buf = io.BytesIO()
    write_mo(buf, source)
    data = buf.getvalue()
    kept = catalog.read_mo(catalog.subset_mo(data, {"b", "one"}))
    assert {k: v for k, v in kept.items() if k} == {"b": "나", "one\0many": "하나"} and "" in kept
    t = __import__("gettext").GNUTranslations(io.BytesIO(catalog.subset_mo(data, {"b"})))
    assert t.gettext("b") == "나" and t.gettext("a") == "a"


def test_extraction_reads_every_alternative_of_a_message_argument():
    src = '''
wrong("summary", hint=custom or "the default hint")
checks.expect(x, "s", "e", "g", "one hint" if a else "another hint")
checks.expect(x, "s2", hint=(h or ("first" if b else "second")))
'''
    ids = [m for _line, _fn, m in catalog.messages_in_source(src)]
    assert ids == ["summary", "the default hint", "s", "e", "g", "one hint", "another hint", "s2", "first", "second"]


def test_extraction_tells_line_and_function_and_skips_what_is_not_prose():
    src = 'x = 1\nN_("first")\n\nmsg("{a} and {b}", a=1, b=2)\nN_("{a}")\nN_("")\nN_("123 - 4")\n'
    assert list(catalog.messages_in_source(src)) == [(2, "N_", "first"), (4, "msg", "{a} and {b}")]


def test_a_file_that_does_not_parse_has_no_ids():
    assert list(catalog.messages_in_source("def broken(:\n    N_('never')\n")) == []
    assert list(catalog.messages_in_source(b"\x00N_('null bytes')")) == []


def test_the_babel_method_marks_plurals():
    src = io.BytesIO(b'N_("one")\nngettext("{n} file", "{n} files", n)\n')
    assert list(catalog.extract(src, (), (), {})) == [
        (1, None, "one", []), (2, "ngettext", ("{n} file", "{n} files"), [])]


def test_msgids_walks_folders_and_says_where_each_id_is_used(tmp_path: Path):
    (tmp_path / "pkg" / "__pycache__").mkdir(parents=True)
    (tmp_path / "pkg" / "a.py").write_text('N_("shared")\nN_("only in a")\n', encoding="utf-8")
    (tmp_path / "pkg" / "__pycache__" / "stale.py").write_text('N_("stale")\n', encoding="utf-8")
    single = tmp_path / "b.py"
    single.write_text('\n\nN_("shared")\nngettext("{n} try", "{n} tries", n)\n', encoding="utf-8")
    found = catalog.msgids([tmp_path / "pkg", single])
    assert found == {"shared": [f"{tmp_path / 'pkg' / 'a.py'}:1", f"{single}:3"],
                     "only in a": [f"{tmp_path / 'pkg' / 'a.py'}:2"],
                     "{n} try": [f"{single}:4"]}


def test_read_mo_reads_what_babel_compiles():
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    source = Catalog(locale="ko", domain="torchdrill")
    source.add("hello", "안녕하세요")
    source.add(("{n} file", "{n} files"), ("파일 {n}개",))
    buf = io.BytesIO()
    write_mo(buf, source)
    entries = catalog.read_mo(buf.getvalue())
    assert entries["hello"] == "안녕하세요"
    assert entries["{n} file\0{n} files"] == "파일 {n}개"
    assert "" in entries                     # the header


def test_the_committed_catalogs_live_where_gettext_looks(root: Path):
    for lang in catalog.LANGUAGES:
        mo = catalog.mo_path(lang)
        assert mo.name == "torchdrill.mo" and mo.parent.name == "LC_MESSAGES" and mo.parent.parent.name == lang
        assert mo.is_file() and catalog.po_path(lang).is_file()
