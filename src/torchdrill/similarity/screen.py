"""The whole screening, from submissions to the ranked pairs with their matching regions.

    names        the batch's names for the arguments (state.assign_names), as `grade --out` uses
    read         stage each submission and cut it into pieces (extract.py)
    fingerprint  winnow each piece's normalised tokens, the stub template removed (fingerprint.py)
    rank         weight by how few share a fingerprint, score every pair (rank.py)
    detail       for the top pairs only: which pieces match, and where (regions, for the page)

NB: rank must see every submission before any pair is scored (the weights depend on the class).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .extract import CourseMaterial, Piece, Submission, course_material, read_submission
from .fingerprint import Fingerprints, boilerplate, fingerprint, matched_slices
from .rank import Scores, score_pairs, threshold, weight

#: pairs scoring below this are never flagged: about a dozen fingerprints (some 30 normalised
#: tokens, three or four lines) of code that only these two submissions wrote
FLOOR = 12.0
TOP = 30
MAX_DETAILED = 500           # pairs detailed at most, however many are worth a look


@dataclass(frozen=True)
class Region:
    """Lines ``first``–``last`` of one side's file, and the marked character spans of ``text``."""

    first: int
    last: int


@dataclass(frozen=True)
class Side:
    file: str
    piece: Piece
    spans: tuple[tuple[int, int], ...]      # marked character ranges of piece.text
    regions: tuple[Region, ...]            # the same as file line ranges


@dataclass(frozen=True)
class PieceMatch:
    qualname: str
    score: float
    a: Side
    b: Side


@dataclass(frozen=True)
class PairDetail:
    a: str
    b: str
    score: float
    flagged: bool
    matches: tuple[PieceMatch, ...]
    covered_a: float          # share of a's own tokens inside a marked region
    covered_b: float


@dataclass
class Screening:
    names: list[str]
    scores: Scores
    threshold: float
    pairs: list[PairDetail]
    notes: dict[str, list[str]] = field(default_factory=dict)
    pieces_read: int = 0
    name_notes: list[str] = field(default_factory=list)        # arguments that shared a name
    seconds: dict[str, tuple[float, float]] = field(default_factory=dict)   # stage -> (wall, CPU) seconds

    @property
    def flagged(self) -> int:
        return int(np.sum(self.scores.score >= self.threshold))


def _piece_order(course, submissions: list[Submission]) -> list[str]:
    """Piece names in course order: every stub, then the other code and whole files seen."""
    names = list(course.qualnames())
    seen = set(names)
    for sub in submissions:
        for q in sub.pieces:
            if q not in seen:
                seen.add(q)
                names.append(q)
    return names


def _side(piece: Piece, fp: Fingerprints, rare: np.ndarray) -> Side:
    spans = []
    for start, end in matched_slices(fp, rare):
        spans.append((int(piece.tokens.starts[start]), int(piece.tokens.ends[min(end, len(piece.tokens)) - 1])))
    regions: list[Region] = []
    for lo, hi in spans:
        end = len(piece.lines) - 1
        first = piece.lines[min(piece.text.count("\n", 0, lo), end)]
        last = piece.lines[min(piece.text.count("\n", 0, max(lo, hi - 1)), end)]
        if regions and first <= regions[-1].last + 1:            # on the same or the next line: one region
            regions[-1] = Region(regions[-1].first, max(last, regions[-1].last))
        else:
            regions.append(Region(first, last))
    return Side(piece.file, piece, tuple(spans), tuple(regions))


def _covered(side_spans: list[tuple[Piece, tuple[tuple[int, int], ...]]], total: int) -> float:
    if not total:
        return 0.0
    covered = 0
    for piece, spans in side_spans:
        starts, ends = piece.tokens.starts, piece.tokens.ends
        inside = np.zeros(len(starts), dtype=bool)
        for lo, hi in spans:
            inside |= (starts >= lo) & (ends <= hi)
        covered += int(inside.sum())
    return covered / total


def screen(paths: list[Path], course, *, top: int = TOP, floor: float = FLOOR, fixed: float | None = None,
           progress=None) -> Screening:
    """Screen ``paths`` (submissions, as `torchdrill grade` takes them) for rarely-shared code.

    ``top`` pairs are detailed (and every pair at or above the threshold); the threshold is
    ``fixed`` when given, else :func:`rank.threshold` with ``floor``."""
    from ..state import assign_names

    clock, cpu = time.perf_counter(), time.process_time()
    seconds: dict[str, tuple[float, float]] = {}

    def lap(stage: str) -> None:
        nonlocal clock, cpu
        now, now_cpu = time.perf_counter(), time.process_time()
        seconds[stage] = (now - clock, now_cpu - cpu)
        clock, cpu = now, now_cpu

    named, name_notes = assign_names([Path(p) for p in paths])
    material: CourseMaterial = course_material(course)
    templates = {ch: boilerplate(tokens) for ch, tokens in material.templates.items()}

    submissions: list[Submission] = []
    for name, path in named:
        submissions.append(read_submission(Path(path), name, course))
        if progress:
            progress(len(submissions), len(named))
    lap("read")
    order = _piece_order(course, submissions)
    index = {q: i for i, q in enumerate(order)}

    def prints(piece: Piece) -> Fingerprints:
        return fingerprint(piece.tokens, templates.get(piece.qualname.split(".", 1)[0]))

    fps: list[dict[str, Fingerprints]] = [{q: prints(p) for q, p in s.pieces.items()} for s in submissions]
    docs = [{index[q]: fp.unique() for q, fp in f.items()} for f in fps]
    reference = {index[q]: prints(p).unique() for q, p in material.reference.items() if q in index}
    lap("fingerprint")
    scores = score_pairs(docs, reference)
    bar = float(fixed) if fixed is not None else threshold(scores, floor)

    lap("rank")
    details = []
    shown = min(max(top, int(np.sum(scores.score >= bar))), MAX_DETAILED)
    for k in range(min(shown, len(scores))):
        a, b = int(scores.a[k]), int(scores.b[k])
        details.append(_detail(submissions, fps, docs, index, scores, a, b, float(scores.score[k]), bar))
    lap("detail")
    notes = {s.name: s.notes for s in submissions if s.notes}
    return Screening([s.name for s in submissions], scores, bar, details, notes,
                     sum(len(s.pieces) for s in submissions), list(name_notes), seconds)


def _detail(submissions, fps, docs, index, scores: Scores, a: int, b: int, score: float, bar: float) -> PairDetail:
    sa, sb = submissions[a], submissions[b]
    matches = []
    for q in sa.pieces:
        if q not in sb.pieces:
            continue
        piece = index[q]
        shared = np.intersect1d(docs[a][piece], docs[b][piece], assume_unique=True)
        if not len(shared):
            continue
        holders = scores.holders_of(piece, shared)
        rare = shared[(holders >= 2) & (holders <= scores.cap)]
        if not len(rare):
            continue
        piece_score = float(np.sum(weight(scores.holders_of(piece, rare))))
        matches.append(PieceMatch(q, piece_score, _side(sa.pieces[q], fps[a][q], rare),
                                  _side(sb.pieces[q], fps[b][q], rare)))
    matches.sort(key=lambda m: -m.score)
    total_a = sum(len(p.tokens) for p in sa.pieces.values())
    total_b = sum(len(p.tokens) for p in sb.pieces.values())
    return PairDetail(sa.name, sb.name, score, score >= bar, tuple(matches),
                      _covered([(m.a.piece, m.a.spans) for m in matches], total_a),
                      _covered([(m.b.piece, m.b.spans) for m in matches], total_b))

