"""Normalised tokens: what is left of a piece of code once its spelling is taken away.

Python's own tokenizer reads the code; comments and line continuations are dropped, every
identifier (variables, functions, attributes, builtins alike) becomes ``V``, every number ``N``
and every string ``S``.  Keywords, operators and the block structure (NEWLINE, INDENT, DEDENT)
stay as they are.  So ``total = ((pred - y) ** 2).mean()  # MSE`` and
``loss = ((a - b) ** 2).sum()`` read the same: renaming variables or rewording comments does not
hide a copy.  Each token keeps the character span it came from, so a match found on the
normalised tokens can be highlighted in the code as the student wrote it.

A token is an integer id, the same in every run (a hash of its normalised text), so fingerprints
and therefore scores do not depend on the order submissions are read in.
"""
from __future__ import annotations

import hashlib
import io
import keyword
import tokenize
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

_SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.ENDMARKER, tokenize.ENCODING}
_STRINGS = {tokenize.STRING} | ({getattr(tokenize, n) for n in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
                                  if hasattr(tokenize, n)})


@dataclass(frozen=True)
class Tokens:
    """The normalised tokens of one piece of code: ``ids[i]`` spans ``text[starts[i]:ends[i]]``."""

    ids: np.ndarray          # int64, one per token
    starts: np.ndarray       # int64 character offsets into the piece's text
    ends: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


@lru_cache(maxsize=4096)
def token_id(kind: str) -> int:
    """A stable 31-bit id for a normalised token kind (``"V"``, ``"kw:for"``, ``"op:**"``)."""
    return int.from_bytes(hashlib.blake2b(kind.encode(), digest_size=4).digest(), "little") >> 1


def _kind(tok: tokenize.TokenInfo) -> str | None:
    if tok.type in _SKIPPED:
        return None
    if tok.type == tokenize.NAME:
        return f"kw:{tok.string}" if keyword.iskeyword(tok.string) else "V"
    if tok.type == tokenize.NUMBER:
        return "N"
    if tok.type in _STRINGS:
        return "S"
    if tok.type == tokenize.OP:
        return f"op:{tok.string}"
    if tok.type == tokenize.NEWLINE:
        return "NEWLINE"
    if tok.type == tokenize.INDENT:
        return "INDENT"
    if tok.type == tokenize.DEDENT:
        return "DEDENT"
    return f"other:{tok.string}"     # ERRORTOKEN and the like: kept, as written


def normalise(text: str) -> Tokens:
    """The normalised tokens of ``text`` (Python source, possibly an indented function body).

    Code the tokenizer cannot read to the end (an unclosed bracket in a file that does not
    parse) keeps the tokens read before the error.
    """
    line_starts = [0]                 # lines as the tokenizer counts them: split on "\n" only
    for line in text.split("\n")[:-1]:
        line_starts.append(line_starts[-1] + len(line) + 1)

    def offset(pos: tuple[int, int]) -> int:
        row, col = pos
        return line_starts[min(row - 1, len(line_starts) - 1)] + col

    ids: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            kind = _kind(tok)
            if kind is None:
                continue
            ids.append(token_id(kind))
            starts.append(offset(tok.start))
            ends.append(offset(tok.end))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return Tokens(np.asarray(ids, dtype=np.int64), np.asarray(starts, dtype=np.int64),
                  np.asarray(ends, dtype=np.int64))
