"""The report's charts as PNG bytes, drawn with matplotlib's Agg backend (no display needed).

Figures are made with :class:`matplotlib.figure.Figure` directly, never through pyplot, so no
global state is touched and nothing tries to open a window.  Text on the charts is ASCII only
(stub names, numbers): the page around them carries the words in the reader's language, and no
CJK font is needed to draw them.  PNGs carry no timestamp, so the same summary gives the same bytes.
"""
from __future__ import annotations

import base64
import io
import itertools

from .summary import Summary

# one colour per chapter, readable on white and for common colour-vision deficiencies (Okabe-Ito,
# with its light yellow and black swapped for a purple and a grey)
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#6A3D9A", "#555555")
GREY = "#BBBBBB"
DPI = 100
WIDTH = 11.1            # inches: the page's content column (1116 px) at DPI


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI)
    fig.patch.set_facecolor("white")
    return fig


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _tidy(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=9)


def score_histogram(summary: Summary) -> bytes:
    """Students per score bin, with the mean and the median marked."""
    fig = _figure(WIDTH, 3.0)
    ax = fig.subplots()
    edges, counts = summary.histogram_edges, summary.histogram_counts
    widths = [b - a for a, b in itertools.pairwise(edges)]
    ax.bar(edges[:-1], counts, width=widths, align="edge", color=PALETTE[0], edgecolor="white", linewidth=0.8)
    if summary.submissions:
        ax.axvline(summary.mean, color=PALETTE[5], linestyle="--", linewidth=1.4, label=f"mean {summary.mean:.1f}")
        ax.axvline(summary.median, color="#333333", linestyle=":", linewidth=1.4,
                   label=f"median {summary.median:.1f}")
        ax.legend(frameon=False, fontsize=9, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2,
                  borderaxespad=0.2)
    ax.set_xlim(edges[0], edges[-1])
    ax.set_xlabel(f"points (of {summary.max_score:g})", fontsize=10)
    ax.set_ylabel("students", fontsize=10)
    top = max(counts, default=0)
    ax.set_ylim(0, max(1, top) * 1.15)
    ax.yaxis.get_major_locator().set_params(integer=True)
    _tidy(ax)
    fig.tight_layout()
    return _png(fig)


def pass_rates(summary: Summary) -> bytes:
    """One horizontal bar per stub (pass rate, 0-100 %), grouped and coloured by chapter in
    course order; stubs nobody could be graded on are drawn grey and marked n/a."""
    stubs = [(i, s) for i, ch in enumerate(summary.chapters) for s in ch.stubs]
    n = len(stubs)
    fig = _figure(WIDTH, max(1.4, 0.25 * n + 0.12 * len(summary.chapters) + 0.75))
    ax = fig.subplots()
    y, labels, colours, values = [], [], [], []
    pos, last = 0.0, None
    for i, s in stubs:
        if last is not None and i != last:
            pos += 0.5                       # a gap between chapters
        last = i
        y.append(pos)
        labels.append(s.qualname)
        if s.pass_rate is None:
            colours.append(GREY)
            values.append(0.0)
        else:
            colours.append(PALETTE[i % len(PALETTE)])
            values.append(100.0 * s.pass_rate)
        pos += 1.0
    ax.barh(y, values, color=colours, height=0.75)
    for yy, (_, s), v in zip(y, stubs, values, strict=True):
        text = "n/a (grader errors only)" if s.pass_rate is None else f"{v:.0f}%  ({s.passed}/{s.graded})"
        ax.text(min(v, 100.0) + 1.0, yy, text, va="center", fontsize=8.5, color="#333333")
    ax.set_yticks(y, labels, fontsize=9)
    ax.set_ylim((y[-1] + 0.6) if y else 1.0, -0.6)   # top to bottom in course order, no empty margin
    ax.set_xlim(0, 114)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    ax.set_xlabel("students who passed every check of the stub", fontsize=10)
    ax.grid(axis="x", color="#EEEEEE", linewidth=0.8)
    ax.set_axisbelow(True)
    _tidy(ax)
    if n:
        fig.tight_layout()
    return _png(fig)


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
