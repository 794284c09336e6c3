"""Renderers: they only read :mod:`torchdrill.results`, never grade.

Every text they show is rendered at the edge, in the reader's language, from the messages a result
keeps as data (:meth:`~torchdrill.results.SubmissionResult.localized`, :class:`~torchdrill.messages.Msg`)
through the one gettext domain (:mod:`torchdrill.i18n`)."""
from __future__ import annotations


def bilingual(part, langs: tuple[str, ...] | None = None, sep: str = " / ") -> str:
    """One message in several languages, for text whose reader's language is not known (a course
    bundle's generated files, a failure before any course is read): each language's text once, in
    the order of ``langs`` (default :data:`torchdrill.i18n.LANGUAGES`), joined by ``sep``."""
    from ..i18n import LANGUAGES
    from ..messages import render

    texts: list[str] = []
    for lang in langs or LANGUAGES:
        text = render(part, lang)
        if text not in texts:
            texts.append(text)
    return sep.join(texts)


def in_language(part, lang: str | None, sep: str = " / ") -> str:
    """A message in ``lang`` when it is one of torchdrill's languages, else in all of them."""
    from ..i18n import LANGUAGES
    from ..messages import render

    return render(part, lang) if lang in LANGUAGES else bilingual(part, sep=sep)
