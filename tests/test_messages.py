"""messages: a message is an id and parameters, rendered per language only when someone reads it."""
from __future__ import annotations

import copy
import json
import pickle

import pytest

from torchdrill import messages
from torchdrill.messages import GRADER_ERROR, N_, Feedback, Frame, Msg, as_msg, code, msg, placeholders, render

#: ids the committed catalogs translate (tests/test_i18n.py keeps them translated)
TRANSLATED = "the exception above"


# --------------------------------------------------------------------------- Msg

def test_a_plain_id_renders_as_itself_in_english_and_translated_in_korean() -> None:
    m = Msg(TRANSLATED)
    assert m.render("en") == TRANSLATED
    ko = m.render("ko")
    assert ko and ko != TRANSLATED


def test_an_id_the_catalog_lacks_is_shown_as_it_is() -> None:
    assert Msg("torch.Tensor").render("ko") == "torch.Tensor"
    assert render("no such id, shown verbatim", "ko") == "no such id, shown verbatim"


def test_parameters_are_verbatim_and_lists_are_comma_joined() -> None:
    m = msg("{func}(a, b) for a of shape {sa}", func="torch.mul", sa=[3, 4])
    assert m.render("en") == "torch.mul(a, b) for a of shape 3, 4"
    assert m.param("func") == "torch.mul"
    assert m.param("sa") == (3, 4)                      # frozen: lists become tuples
    assert m.param("missing", "default") == "default"


def test_a_prose_parameter_is_itself_a_message_and_is_translated() -> None:
    inner = msg(TRANSLATED)
    outer = msg("{what} happened", what=inner)
    assert outer.render("en") == f"{TRANSLATED} happened"
    assert inner.render("ko") in outer.render("ko")


def test_code_is_verbatim_in_every_language() -> None:
    for lang in ("en", "ko"):
        assert code("(3, 4)").render(lang) == "(3, 4)"
        assert code(2.5).render(lang) == "2.5"


def test_an_object_parameter_is_kept_as_its_text_never_as_a_live_object() -> None:
    class Live:
        def __str__(self) -> str:
            return "live"

    m = msg("{x}", x=Live())                            # type: ignore[arg-type]
    assert m.param("x") == "live"


def test_a_translation_with_wrong_placeholders_falls_back_to_the_english_template(monkeypatch) -> None:
    bad = {"{n} values": "{count}개의 값", "{a} and {b}": "{a} 그리고 {"}

    monkeypatch.setattr(messages, "gettext_for", lambda lang: lambda mid: bad.get(mid, mid))
    assert msg("{n} values", n=3).render("ko") == "3 values"         # unknown placeholder
    assert msg("{a} and {b}", a=1, b=2).render("ko") == "1 and 2"    # broken template


def test_an_id_that_is_no_template_still_shows_its_parameters(monkeypatch) -> None:
    monkeypatch.setattr(messages, "gettext_for", lambda lang: lambda mid: mid)
    text = msg("{broken", x=1).render("en")
    assert text.startswith("{broken") and "x=1" in text


def test_msg_is_immutable_hashable_and_compares_by_value() -> None:
    a = msg("{x} and {y}", x=1, y="b")
    b = msg("{x} and {y}", y="b", x=1)                  # parameter order does not matter
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != msg("{x} and {y}", x=2, y="b")
    assert a != "{x} and {y}"
    with pytest.raises(AttributeError):
        a.id = "other"                                  # type: ignore[misc]
    with pytest.raises(TypeError):
        Msg(3)                                          # type: ignore[arg-type]


def test_an_empty_id_is_false_and_never_the_catalog_header() -> None:
    assert not Msg("")
    assert not Msg("   ")
    assert Msg("").render("ko") == ""                   # gettext("") would be the .po header
    assert as_msg("") is None and as_msg(None) is None and as_msg(Msg("")) is None
    assert as_msg("x") == Msg("x")
    with pytest.raises(TypeError):
        as_msg(3)                                       # type: ignore[arg-type]


def test_repr_reads_like_the_call_that_made_it() -> None:
    assert repr(msg("{a}", a=1)) == "msg('{a}', a=1)"


def test_placeholders() -> None:
    assert placeholders("{func}(a) of {shape[0]} and {x.y}") == {"func", "shape", "x"}
    assert placeholders("no fields") == set()
    assert placeholders("{unclosed") == set()
    assert msg("{a} {b}", a=1, b=2).placeholders() == {"a", "b"}


@pytest.mark.parametrize("m", [
    Msg("plain"),
    msg("{func} returned {n} values", func="train", n=3),
    msg("{what}: {items}", what=msg(TRANSLATED), items=[1, "two", msg("three"), None, True, 2.5]),
    code("torch.float32"),
])
def test_to_data_from_data_round_trip_through_json(m: Msg) -> None:
    data = json.loads(json.dumps(m.to_data()))
    back = Msg.from_data(data)
    assert back == m
    assert back.render("ko") == m.render("ko") and back.render("en") == m.render("en")


def test_from_data_reads_a_bare_string_and_refuses_what_is_not_a_message() -> None:
    assert Msg.from_data("an older result's text") == Msg("an older result's text")
    assert Msg("x").to_data() == {"id": "x"}            # no params key when there are none
    for bad in (3, None, {"params": {}}, {"id": 3}):
        with pytest.raises(ValueError):
            Msg.from_data(bad)


@pytest.mark.parametrize("m", [Msg("x"), msg("{a} {b}", a=msg("{c}", c=[1, 2]), b="y")])
def test_pickle_and_copy_keep_the_message(m: Msg) -> None:
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(m, protocol)) == m
    assert copy.copy(m) == m and copy.deepcopy(m) == m


def test_n_marks_an_id_without_changing_it() -> None:
    assert N_("some id") == "some id"
    assert GRADER_ERROR.startswith("grader error")


# --------------------------------------------------------------------------- Feedback

def _feedback() -> Feedback:
    return Feedback.of(msg("{func} returned the wrong value", func="add"), code("3"), code("4"),
                       msg(TRANSLATED), trace=[Frame(7, "add", "return a - b")],
                       details=["detail one", None, ""])


def test_feedback_lines_in_order_with_labels() -> None:
    lines = _feedback().lines("en")
    assert lines[0] == "add returned the wrong value"
    assert lines[1] == "detail one"                     # empty details are dropped
    assert lines[2] == "where (your code):"
    assert lines[3] == "  line 7, in add: return a - b"
    assert lines[4:] == ["expected: 3", "got:      4", f"hint: {TRANSLATED}"]
    assert _feedback().render("en") == "\n".join(lines)


def test_feedback_in_korean_keeps_code_and_the_students_text() -> None:
    text = _feedback().render("ko")
    assert "return a - b" in text and "add" in text
    assert "expected:" not in text and "hint:" not in text


def test_feedback_round_trips_through_json_and_pickle() -> None:
    fb = _feedback()
    back = Feedback.from_data(json.loads(json.dumps(fb.to_data())))
    assert back == fb
    assert pickle.loads(pickle.dumps(fb)) == fb
    assert Feedback.from_data({"summary": "only a summary"}) == Feedback.of("only a summary")
    assert Feedback.of(None).to_data() == {"summary": {"id": ""}}


def test_feedback_parts_and_with_call() -> None:
    fb = Feedback.of("summary", got=code("x"))
    assert list(fb.parts()) == [Msg("summary"), code("x")]
    called = fb.with_call(code("(2, 3)"), "a hint")
    assert called.expected == code("(2, 3)") and called.got == Msg(TRANSLATED)
    assert called.hint == Msg("a hint")
    unchanged = fb.with_call(None, None)
    assert unchanged.got == code("x") and unchanged.hint is None
