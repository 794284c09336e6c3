"""Student-facing words in Korean and English, through the standard gettext machinery.

Message ids are the English text (:mod:`torchdrill.messages`); ``locale/<lang>/LC_MESSAGES/torchdrill.mo``
holds each language, English included (so English wording can change without changing an id).
The language is chosen by ``--lang``, then the course default, then the environment's locale.
"""
from __future__ import annotations

import gettext
import locale as _locale
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

DOMAIN = "torchdrill"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("ko", "en")
SOURCE_LANGUAGE = "en"      # the language of the message ids


@cache
def translation(lang: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang], fallback=True)


def gettext_for(lang: str) -> Callable[[str], str]:
    """The ``_`` function for one language."""
    return translation(lang).gettext


def environment_language() -> str | None:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "")
        if value:
            code = value.split(":")[0].split(".")[0].split("_")[0].lower()
            if code in LANGUAGES:
                return code
    try:
        code = (_locale.getlocale()[0] or "").split("_")[0].lower()
    except ValueError:
        code = ""
    return code if code in LANGUAGES else None


def choose_language(cli: str | None, course_default: str | None) -> str:
    """``--lang`` first, then course.yml, then the environment, then English."""
    for lang in (cli, course_default, environment_language()):
        if lang in LANGUAGES:
            return lang
    return "en"
