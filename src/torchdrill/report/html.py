"""Rendering: the class report page and the Jinja2 environment the feedback pages share.

Templates live in ``torchdrill/data`` (``report.html.j2``, ``feedback.html.j2``,
``feedback.md.j2``, ``style.css``).  HTML templates are autoescaped: student names, titles and
messages are text, never markup.  A page is one file: the CSS is inlined and the charts are PNGs
in ``data:`` URIs, so it opens offline, from a mail attachment or an LMS upload.
"""
from __future__ import annotations

import re
from functools import cache
from urllib.parse import quote

from .summary import Summary
from .words import status_word, words

TOP_FAILURES_SHOWN = 5


def num(x, digits: int = 2) -> str:
    """A number as people write points: 2, 2.5, 0.33 (no trailing zeros, no -0)."""
    try:
        x = round(float(x), digits)
    except (TypeError, ValueError):
        return str(x)
    return f"{x:.{digits}f}".rstrip("0").rstrip(".") if x != 0 else "0"


_MD_SPECIAL = re.compile(r"([\\`*{}\[\]<#|]|(?<!\w)_|_(?!\w))")   # an underscore inside a word is text


def md_escape(text) -> str:
    """Inline Markdown text: the characters that would start markup are backslashed."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def fenced(text, indent: str = "") -> str:
    """``text`` in a fenced code block longer than any run of backticks inside it."""
    text = str(text)
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    body = "\n".join(indent + line if line else line for line in text.splitlines())
    return f"{indent}{fence}text\n{body}\n{indent}{fence}"


def tidy_markdown(text: str) -> str:
    """At most one blank line in a row outside fenced blocks; one newline at the end."""
    out: list[str] = []
    blank, fence = 0, None
    for line in text.splitlines():
        stripped = line.strip()
        if fence is None:
            m = re.match(r"(`{3,})", stripped)
            if m:
                fence = m.group(1)
            if not stripped:
                blank += 1
                if blank > 1 or not out:
                    continue
            else:
                blank = 0
        elif stripped == fence:
            fence = None
        out.append(line.rstrip() if fence is None else line)
    return "\n".join(out).strip("\n") + "\n"


@cache
def environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("torchdrill", "data"),
        autoescape=lambda name: name is not None and ".html" in name,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["num"] = num
    env.filters["md"] = md_escape
    env.filters["fenced"] = fenced
    return env


def feedback_href(name: str, ext: str) -> str:
    return f"feedback/{quote(name, safe='')}.{ext}"


def render_report(summary: Summary, *, lang: str, feedback: bool = True, similarity_href: str | None = None) -> str:
    """The report page.  ``feedback``: link each student to ``feedback/<name>.html``/``.md``;
    ``similarity_href``: link the similarity screening page (``torchdrill similarity --out``)."""
    from . import plots

    hist = plots.data_uri(plots.score_histogram(summary)) if summary.submissions else ""
    rates = plots.data_uri(plots.pass_rates(summary)) if summary.submissions else ""
    names = [r.name for r in summary.students]
    links = {n: feedback_href(n, "html") for n in names} if feedback else {}
    links_md = {n: feedback_href(n, "md") for n in names} if feedback else {}
    return environment().get_template("report.html.j2").render(
        s=summary, w=words(lang), lang=lang, hist_uri=hist, rates_uri=rates, palette=plots.PALETTE,
        links=links, links_md=links_md, top=TOP_FAILURES_SHOWN, outcome=lambda k: status_word(k, lang),
        similarity_href=similarity_href)
