"""Is a rendered message written in the language it claims?  Used on every failed check of the
wrong-answer corpus, in Korean and in English.

What may stay as it is in either language, and is taken out before looking: the verbatim
parameters of the message (code, identifiers, shapes, numbers, the student's own code lines and the
text of the exception their code raised) and code-like tokens (anything with a dot, a bracket, an
underscore, a digit or an operator in it, ``backticked`` spans, dtype names).  What is left must be
Korean prose (for ``ko``) or contain no Hangul at all (for ``en``).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")

def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: English words that only prose uses: one of these left in a Korean message is an untranslated phrase
STOPWORDS = _words("""
a an the is are was were be been being of to in on at for from with without and or not no nor but if
then than into onto only each every one two it its this that these those your you should must can
cannot could would will has have had got returned return expected hint result results value values
wrong right instead before after again still yet also because so do does did use used using make
makes when where which what while until there their they them here how why all any some same other
another too very just more less most least like as by about over under between per tensor tensors
gradient gradients call called calls function functions input inputs output outputs given gives
""")

CODE_WORDS = _words("""
torch numpy np dtype dtypes float int bool str list tuple dict None True False NaN nan inf cpu cuda mps
meta device shape grad requires_grad grad_fn backward step zero_grad item detach clone view reshape
squeeze unsqueeze contiguous python Python MSE MSELoss SGD Linear nn optim autograd no_grad eval train
""")

_CODEISH = re.compile(r"`[^`]*`|\S*[._()\[\]{}=<>@*+/\\|:;,#'\"0-9-]\S*")


def verbatim_strings(data: Any) -> Iterable[str]:
    """Every verbatim text in a stored message structure (``Feedback.to_data()`` or a message's
    data): parameter values that are not messages, and the student's traceback lines."""
    if isinstance(data, dict):
        if "id" in data:
            for value in (data.get("params") or {}).values():
                yield from _param_strings(value)
            return
        for key, value in data.items():
            if key == "trace":
                for frame in value or ():
                    yield str(frame.get("code", ""))
                    yield str(frame.get("func", ""))
            else:
                yield from verbatim_strings(value)
    elif isinstance(data, list):
        for item in data:
            yield from verbatim_strings(item)


def _param_strings(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        yield from verbatim_strings(value)
    elif isinstance(value, list):
        for item in value:
            yield from _param_strings(item)
    elif value is not None:
        yield str(value)


def _strip(text: str, structure: Any) -> str:
    for verbatim in sorted(set(verbatim_strings(structure)), key=len, reverse=True):
        if verbatim.strip():        # whole words only: a parameter "list" leaves "tolist()" alone
            text = re.sub(r"(?<![A-Za-z0-9_])" + re.escape(verbatim) + r"(?![A-Za-z0-9_])", " ", text)
    return text


def english_prose(text: str, structure: Any = None) -> list[str]:
    """Untranslated English phrases in a text that should be Korean (empty when there are none)."""
    found = []
    for line in _strip(text, structure).splitlines():
        words = _CODEISH.sub(" ", line)
        run: list[str] = []
        for token in re.findall(r"[A-Za-z]+|[^\sA-Za-z]+", words):
            if re.fullmatch(r"[A-Za-z]+", token) and token not in CODE_WORDS and len(token) > 1:
                run.append(token)
                continue
            if token.strip():
                found += _flag(run)
                run = []
        found += _flag(run)
    return found


def _flag(run: list[str]) -> list[str]:
    if len(run) >= 3 or any(w.lower() in STOPWORDS for w in run):
        return [" ".join(run)]
    return []


def hangul(text: str, structure: Any = None) -> list[str]:
    """Korean left in a text that should be English (verbatim parts, e.g. a student's Korean
    comment in a traceback line, are allowed)."""
    return [line.strip() for line in _strip(text, structure).splitlines() if HANGUL.search(line)]
