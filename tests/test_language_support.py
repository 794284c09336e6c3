"""The detector the corpus language tests rely on: it must catch untranslated prose and let code,
identifiers, numbers and the student's own text through."""
from __future__ import annotations

import pytest
from language_support import english_prose, hangul

from torchdrill.messages import Feedback, Frame, code, msg


@pytest.mark.parametrize("text", [
    "결과: 모양(shape)이 틀렸습니다.",
    "기대한 값: torch.Tensor",
    "받은 값:   list of 2 [int 1, int 2]",            # verbatim: removed through the structure below
    "힌트: a * b (또는 torch.mul(a, b))는 원소별 곱입니다. @와 torch.matmul은 행렬 곱입니다",
    "기대한 값: requires_grad=False",
    "힌트: 텐서를 만드세요. 예: torch.tensor(...) 또는 torch.stack(...)",
    "x의 dtype은 float32여야 합니다",
])
def test_korean_passes(text):
    structure = Feedback.of("x", got=msg("{kind} of {n} [{items}{more}]", kind="list", n=2,
                                         items=(code("int 1"), code("int 2")), more="")).to_data()
    # "of" in the verbatim-free template is English: only the structure's verbatim parts are removed
    if "list of 2" in text:
        assert english_prose(text, structure) == ["of"]
    else:
        assert english_prose(text, structure) == []


@pytest.mark.parametrize("text", [
    "힌트: this is the sum of the squared errors; the mean divides it",
    "[틀린 답] mul(a, b) for the lecture's a and b (int64): 값이 틀렸습니다",
    "기대한 값: a tensor of shape (3, 4) (a * b)",
    "after train_step, w.grad still holds a gradient",
])
def test_english_prose_is_caught(text):
    assert english_prose(text)


def test_the_students_own_code_and_exception_are_not_prose():
    fb = Feedback.of(msg("{func} raised {exc}", func="loss_fn", exc="ValueError: the shapes do not match"),
                     trace=[Frame(3, "loss_fn", "raise ValueError('the shapes do not match')")])
    text = "loss_fn에서 예외가 발생했습니다: ValueError: the shapes do not match\n" \
           "  3번째 줄, loss_fn: raise ValueError('the shapes do not match')"
    assert english_prose(text, fb.to_data()) == []
    assert english_prose(text) != []


def test_hangul_in_english_text_is_caught_unless_verbatim():
    fb = Feedback.of(msg("{func} raised {exc}", func="f", exc="ValueError: 모양이 다릅니다"))
    assert hangul("f raised ValueError: 모양이 다릅니다", fb.to_data()) == []
    assert hangul("f raised ValueError: 모양이 다릅니다") != []
    assert hangul("hint: 텐서를 만드세요") == ["hint: 텐서를 만드세요"]


def test_verbatim_parameters_are_removed_as_whole_words_only():
    fb = Feedback.of(msg("{what} should be a {kind}.", what="x", kind="list"),
                     hint="tolist() gives a list")
    assert english_prose("x: list여야 합니다.\n힌트: tolist()는 list를 돌려줍니다", fb.to_data()) == []
    assert english_prose("x: list여야 합니다.\n힌트: tolist() gives a list", fb.to_data()) == ["gives"]
