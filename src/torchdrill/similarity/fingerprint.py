"""Document fingerprints by winnowing (Schleimer, Wilkerson and Aiken, SIGMOD 2003; what MOSS
does), with the ``copydetect`` package's implementation.

Every run of ``K`` consecutive normalised tokens (a k-gram) is hashed; winnowing keeps the
smallest hash of every ``WINDOW`` consecutive k-grams.  Two pieces that share a run of at least
``K + WINDOW - 1`` tokens are guaranteed to share a fingerprint; runs shorter than ``K`` tokens
(``return V.V(V)``) are never seen.  Fingerprints of the stub template are removed (boilerplate).

The k-gram hash is computed here, from the tokens' stable ids, rather than with copydetect's
``hashed_kgrams``: that one uses Python's ``hash()``, which is salted per process, so the
fingerprints it selects (and the scores) would change from run to run.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .tokens import Tokens

try:
    from copydetect import utils as _copydetect
except ImportError as exc:  # pragma: no cover - copydetect is a dependency; this is for broken installs
    _copydetect = None
    _IMPORT_ERROR = exc

K = 8
WINDOW = 3
_MASK = (1 << 53) - 1          # copydetect's winnowing compares hashes as float64: keep them exact
_MUL = np.uint64(0x100000001B3)


def require_copydetect():
    """copydetect's utilities, or a message that says how to install it."""
    if _copydetect is None:
        from ..errors import UsageError

        raise UsageError("`torchdrill similarity` needs the copydetect package, which is missing: "
                         "pip install 'copydetect>=0.5' (or reinstall torchdrill)"
                         f" [{type(_IMPORT_ERROR).__name__}: {_IMPORT_ERROR}]")
    return _copydetect


@dataclass(frozen=True)
class Fingerprints:
    hashes: np.ndarray       # int64, the selected hashes in document order (may repeat)
    starts: np.ndarray       # int64, the token index where each selected k-gram starts

    def unique(self) -> np.ndarray:
        return np.unique(self.hashes)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads the bits so that the minimum of a window is well mixed."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def kgram_hashes(ids: np.ndarray, k: int | None = None) -> np.ndarray:
    """One 53-bit hash per run of ``k`` (default ``K``) token ids (none when there are fewer)."""
    k = K if k is None else k
    if len(ids) < k:
        return np.zeros(0, dtype=np.int64)
    windows = np.lib.stride_tricks.sliding_window_view(ids.astype(np.uint64), k)
    h = np.zeros(len(windows), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = _mix(h * _MUL + windows[:, j] + np.uint64(j + 1))
    return (h & np.uint64(_MASK)).astype(np.int64)


def boilerplate(tokens: Tokens) -> np.ndarray:
    """Every k-gram hash of a template (sorted, unique): none of them is ever a fingerprint."""
    return np.unique(kgram_hashes(tokens.ids))


def fingerprint(tokens: Tokens, template: np.ndarray | None = None) -> Fingerprints:
    """The winnowed fingerprints of one piece, without the template's."""
    utils = require_copydetect()
    hashes = kgram_hashes(tokens.ids)
    if len(hashes) == 0:
        return Fingerprints(hashes, np.zeros(0, dtype=np.int64))
    selected, starts = utils.winnow(hashes, window_size=WINDOW, remove_duplicates=False)
    selected, starts = np.asarray(selected, dtype=np.int64), np.asarray(starts, dtype=np.int64)
    if template is not None and len(template):
        keep = ~np.isin(selected, template)
        selected, starts = selected[keep], starts[keep]
    return Fingerprints(selected, starts)


def matched_slices(fp: Fingerprints, shared: np.ndarray) -> list[tuple[int, int]]:
    """Token ranges [start, end) of a piece covered by its fingerprints in ``shared``, merged where
    they touch (copydetect's ``get_copied_slices``)."""
    utils = require_copydetect()
    starts = fp.starts[np.isin(fp.hashes, shared)]
    if len(starts) == 0:
        return []
    slices = utils.get_copied_slices(starts, K)
    return [(int(a), int(b)) for a, b in zip(slices[0], slices[1], strict=True)]
