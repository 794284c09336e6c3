"""Pairs of submissions ranked by how much rarely-shared code they have in common.

A fingerprint belongs to one piece (one stub, or a chapter's other code): the same tokens in two
different stubs are not a match.  Its *holders* are the submissions whose piece has it, plus the
reference solution when the reference's piece has it (so the canonical answer counts as common
even in a small class).  A fingerprint held by ``n`` holders is worth ``1 / (n - 1)`` to each pair
of them: 1 when only two submissions have it, 1/2 among three, next to nothing when most of the
class wrote it.  Fingerprints with more than :func:`max_holders` holders are not counted at all,
which also keeps the work near linear in the class size: no pair loop over a million pairs, only
over the few holders of each rare fingerprint (an inverted index).

A pair's **score** is the sum over the fingerprints the two share: roughly, the number of
fingerprints of code only these two wrote (winnowing keeps about one k-gram in two).

NB: scores depend on the whole class, as a stub's pass rate does in the class report: every
submission must be read before any pair is scored.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PIECE_BITS = 53              # fingerprint hashes are 53-bit; the piece index goes above them


def max_holders(submissions: int) -> int:
    """Fingerprints held by more submissions than this are the class's common code: worth 0."""
    return max(8, submissions // 20)


def weight(holders: np.ndarray | int):
    return 1.0 / (np.asarray(holders, dtype=np.float64) - 1.0)


@dataclass(frozen=True)
class Scores:
    """Every pair with a score above 0, highest first; the rest of the pairs score 0."""

    a: np.ndarray            # int64 submission index (a < b)
    b: np.ndarray
    score: np.ndarray        # float64
    pieces: np.ndarray       # int64: in how many pieces the pair shares rare code
    submissions: int
    cap: int                 # max_holders used
    keys: np.ndarray         # every (piece, fingerprint) key, sorted, and how many hold it
    holders: np.ndarray

    def holders_of(self, piece: int, hashes: np.ndarray) -> np.ndarray:
        """How many holders each of ``hashes`` (fingerprints of ``piece``) has (0 when unknown)."""
        keys = np.asarray(hashes, dtype=np.int64) | (np.int64(piece) << np.int64(PIECE_BITS))
        at = np.searchsorted(self.keys, keys)
        at = np.minimum(at, max(len(self.keys) - 1, 0))
        found = (self.keys[at] == keys) if len(self.keys) else np.zeros(len(keys), dtype=bool)
        return np.where(found, self.holders[at] if len(self.keys) else 0, 0)

    @property
    def pairs_total(self) -> int:
        return self.submissions * (self.submissions - 1) // 2

    def __len__(self) -> int:
        return len(self.score)


def score_pairs(docs: list[dict[int, np.ndarray]], reference: dict[int, np.ndarray] | None = None,
                cap: int | None = None) -> Scores:
    """Rank pairs.  ``docs[i]`` maps a piece index to the unique fingerprints of submission
    ``i``'s piece; ``reference`` the same for the reference solution."""
    n = len(docs)
    cap = max_holders(n) if cap is None else cap
    rows, keys = [], []
    for i, doc in enumerate([*docs, reference or {}]):
        for piece, hashes in doc.items():
            if len(hashes):
                rows.append(np.full(len(hashes), i, dtype=np.int64))
                keys.append(np.asarray(hashes, dtype=np.int64) | (np.int64(piece) << np.int64(PIECE_BITS)))
    if not keys:
        return _empty(n, cap)
    rows_all, keys_all = np.concatenate(rows), np.concatenate(keys)
    order = np.argsort(keys_all, kind="stable")        # stable: holders stay in row order, the reference last
    rows_sorted, keys_sorted = rows_all[order], keys_all[order]
    unique_keys, first, counts = np.unique(keys_sorted, return_index=True, return_counts=True)

    pieces_n = int(keys_sorted[-1] >> np.int64(PIECE_BITS)) + 1      # keys are sorted: the last has the top piece
    codes, weights = [], []
    for d in np.unique(counts):
        if d < 2 or d > cap:
            continue
        starts = first[counts == d]
        holders = rows_sorted[starts[:, None] + np.arange(d)]          # (keys, d), ascending rows
        piece = (keys_sorted[starts] >> np.int64(PIECE_BITS))[:, None]
        upper, lower = np.triu_indices(d, 1)
        a, b = holders[:, upper], holders[:, lower]
        real = b < n                                                   # pairs with the reference are not reported
        codes.append(((a * n + b) * pieces_n + piece)[real])
        weights.append(np.full(int(real.sum()), weight(d)))
    if not codes:
        return _empty(n, cap, unique_keys, counts)
    pair_piece, inverse = np.unique(np.concatenate(codes), return_inverse=True)
    per_piece = np.bincount(inverse.reshape(-1), weights=np.concatenate(weights))
    uniq_pairs = pair_piece // pieces_n
    pairs, pair_inverse = np.unique(uniq_pairs, return_inverse=True)
    pair_inverse = pair_inverse.reshape(-1)
    score = np.bincount(pair_inverse, weights=per_piece)
    pieces = np.bincount(pair_inverse)
    order = np.lexsort((pairs, -score))                                 # highest first, ties by names' order
    pairs, score, pieces = pairs[order], score[order], pieces[order]
    return Scores(pairs // n, pairs % n, score, pieces.astype(np.int64), n, cap, unique_keys, counts)


def _empty(n: int, cap: int, keys=None, holders=None) -> Scores:
    z = np.zeros(0, dtype=np.int64)
    return Scores(z, z, np.zeros(0), z, n, cap, z if keys is None else keys, z if holders is None else holders)


def threshold(scores: Scores, floor: float) -> float:
    """The flag threshold: pairs at or above it are worth a look.

    The larger of ``floor`` (an absolute amount of rare code in common, see README) and an
    outlier bound of the class's own scores (upper quartile + 3 x the interquartile range of the
    pairs that share anything), so a class whose students all share a little does not flag
    everyone.
    """
    positive = scores.score
    if len(positive) < 4:
        return float(floor)
    q1, q3 = np.percentile(positive, [25, 75])
    return float(max(floor, q3 + 3.0 * (q3 - q1)))
