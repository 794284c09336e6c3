"""The screening as JSON (``--json``) and as one self-contained HTML page (``--out``).

The page is rendered from ``data/similarity.html.j2`` with the report's Jinja2 environment
(autoescaped: names and code are text, never markup; the matching regions are marked by the
template, from plain (text, marked) segments) and the report's stylesheet; the histogram is a
PNG in a ``data:`` URI drawn with matplotlib's Agg backend, like the class report's charts.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import __version__
from .fingerprint import WINDOW, K
from .screen import PairDetail, Screening, Side

MAX_LINES_SHOWN = 40      # longer pieces show the marked lines with CONTEXT lines around them
CONTEXT = 3


def _r(x: float) -> float:
    return round(float(x), 2)


def to_dict(s: Screening) -> dict:
    """The JSON document: ``{"pairs": [{"a", "b", "score", …}, …]}``, highest score first."""
    return {
        "tool": f"torchdrill {__version__} similarity",
        "submissions": len(s.names),
        "pairs_compared": s.scores.pairs_total,
        "pairs_sharing_rare_code": len(s.scores),
        "threshold": _r(s.threshold),
        "flagged": s.flagged,
        "method": {"tokens_per_kgram": K, "winnowing_window": WINDOW, "max_holders": s.scores.cap,
                   "fingerprint_weight": "1 / (holders - 1)"},
        "notes": s.notes,
        "pairs": [_pair(p) for p in s.pairs],
    }


def _pair(p: PairDetail) -> dict:
    return {
        "a": p.a, "b": p.b, "score": _r(p.score), "flagged": p.flagged,
        "covered_a": _r(p.covered_a), "covered_b": _r(p.covered_b),
        "stubs": [{"stub": m.qualname, "score": _r(m.score),
                   "a_file": m.a.file, "a_lines": [[r.first, r.last] for r in m.a.regions],
                   "b_file": m.b.file, "b_lines": [[r.first, r.last] for r in m.b.regions]}
                  for m in p.matches],
    }


def write_json(s: Screening, path: Path) -> None:
    from ..report import _write

    _write(Path(path), json.dumps(to_dict(s), ensure_ascii=False, indent=2) + "\n")


# --------------------------------------------------------------------------- the page

@dataclass(frozen=True)
class Line:
    number: int
    segments: tuple[tuple[str, bool], ...]      # (text, marked)


def side_lines(side: Side) -> list[Line | None]:
    """The piece's lines with the matching spans marked.  A long piece (a whole file) shows only
    the marked lines and ``CONTEXT`` lines around them; None stands for the lines left out."""
    text, spans = side.piece.text, sorted(side.spans)
    marked = np.zeros(len(text), dtype=bool)
    for lo, hi in spans:
        marked[lo:hi] = True
    lines, pos = [], 0
    for k, raw in enumerate(text.split("\n")[:-1] if text.endswith("\n") else text.split("\n")):
        marked[pos: pos + len(raw) - len(raw.lstrip())] = False     # indentation is never marked
        segments: list[tuple[str, bool]] = []
        start = pos
        for i in range(pos, pos + len(raw) + 1):
            at_end = i == pos + len(raw)
            if at_end or marked[i] != marked[start]:
                if i > start:
                    segments.append((text[start:i], bool(marked[start])))
                start = i
        lines.append(Line(side.piece.lines[k] if k < len(side.piece.lines) else 0, tuple(segments)))
        pos += len(raw) + 1
    if len(lines) <= MAX_LINES_SHOWN:
        return list(lines)
    near = np.zeros(len(lines), dtype=bool)
    for k, line in enumerate(lines):
        if any(marked for _, marked in line.segments):
            near[max(0, k - CONTEXT): k + CONTEXT + 1] = True
    shown: list[Line | None] = []
    for k, line in enumerate(lines):
        if near[k]:
            shown.append(line)
        elif not shown or shown[-1] is not None:
            shown.append(None)
    return shown


def histogram_png(s: Screening) -> bytes:
    """How many pairs scored what (log scale: the outliers are the point), the threshold marked."""
    from ..report.plots import PALETTE, WIDTH, _figure, _png, _tidy

    scores = s.scores.score                       # the pairs that share anything; the rest score 0
    fig = _figure(WIDTH, 3.0)
    ax = fig.subplots()
    top = max(float(scores.max()) if len(scores) else 0.0, s.threshold) * 1.05 or 1.0
    edges = np.linspace(0.0, top, 61)
    counts, _ = np.histogram(scores, bins=edges)
    counts[0] += s.scores.pairs_total - len(scores)
    colours = [PALETTE[5] if lo >= s.threshold else PALETTE[0] for lo in edges[:-1]]
    ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color=colours, edgecolor="white", linewidth=0.5)
    ax.axvline(s.threshold, color="#333333", linestyle="--", linewidth=1.2, label=f"threshold {s.threshold:.1f}")
    ax.legend(frameon=False, fontsize=9, loc="upper right")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_xlim(0, top)
    ax.set_ylim(0, max(1, int(counts.max()) if len(counts) else 1) * 3)
    ax.set_xlabel("pair score (rarely-shared fingerprints in common)", fontsize=10)
    ax.set_ylabel("pairs", fontsize=10)
    _tidy(ax)
    fig.tight_layout()
    return _png(fig)


def render_html(s: Screening, *, report_href: str | None = None) -> str:
    from ..report.html import environment
    from ..report.plots import data_uri

    views = []
    for rank, p in enumerate(s.pairs, start=1):
        matches = []
        for m in p.matches:
            matches.append({"m": m, "a": side_lines(m.a), "b": side_lines(m.b)})
        views.append({"rank": rank, "p": p, "matches": matches})
    return environment().get_template("similarity.html.j2").render(
        s=s, pairs=views, version=__version__, hist_uri=data_uri(histogram_png(s)),
        report_href=report_href, k=K, window=WINDOW)


def write_html(s: Screening, path: Path) -> None:
    from ..report import _write

    path = Path(path)
    beside = path.parent / "report.html"
    _write(path, render_html(s, report_href="report.html" if beside.is_file() else None))
