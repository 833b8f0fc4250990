"""Text folding and the bigram tokens both search backends index.

Matching is defined on *folded* text, the same at index time and at query time:
every character goes through NFKC (full-width digits, letters and punctuation fold to their ASCII
forms) and casefold, and whitespace and invisible format characters are dropped. So a query matches
a document exactly when the folded query is a substring of the folded title or body, whatever OCR
line-wrap spaces or full-width/half-width choices the text had.

The index holds overlapping character bigrams of the folded text, each written as an 8-character
``[0-9a-z]`` token (two 4-digit base-36 code points), so that no tokenizer (FTS5 ``ascii``, a
PostgreSQL tsvector literal) can split or alter them. A run of text ends with a sentinel token
``<last char>zzzz``, so that every character starts a token: a one-character query is the prefix
query ``<char>*``, a query of n >= 2 characters is the phrase of its n-1 bigrams, and a phrase can
never run across two runs (titles, 文号 lists), because no query bigram is a sentinel.
"""

from __future__ import annotations

import unicodedata

import numpy as np

SENTINEL = "zzzz"  # base-36 1679615 > any code point


class _FoldTable(dict):
    """``str.translate`` table computed lazily: code point -> folded string ('' = dropped)."""

    def __missing__(self, cp: int) -> str:
        ch = chr(cp)
        folded = unicodedata.normalize("NFKC", ch).casefold()
        folded = "".join(c for c in folded if not (c.isspace() or unicodedata.category(c) in ("Cf", "Cc")))
        self[cp] = folded
        return folded


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """The matching form of a text: per-character NFKC + casefold, whitespace and invisible
    format/control characters removed.

    >>> fold("朔政办发（２０２０） 36 号")
    '朔政办发(2020)36号'
    """
    if len(text) >= VECTOR_MIN:
        folded = _fold_vectorized(text)
        if folded is not None:
            return folded
    return text.translate(_FOLD)


# The same fold for long texts of the Basic Multilingual Plane, as one gather through a table of
# what each code point folds to (filled from _FOLD as code points are met): 10x cheaper than
# str.translate, which makes an int and a dict lookup per character. A text with a character
# outside the BMP or one folding to several characters (㈠ -> (一)) takes str.translate.
_UNKNOWN, _DROPPED, _SEVERAL = -1, -2, -3
_FOLD_BMP: np.ndarray | None = None


def _fold_vectorized(text: str) -> str | None:
    global _FOLD_BMP
    cps = _code_points(text)
    if int(cps.max()) >= 0x10000:
        return None
    if _FOLD_BMP is None:
        _FOLD_BMP = np.full(0x10000, _UNKNOWN, dtype=np.int32)
    table = _FOLD_BMP
    folded = table[cps]
    if (folded == _UNKNOWN).any():
        for cp in np.unique(cps[folded == _UNKNOWN]).tolist():
            f = _FOLD[cp]
            table[cp] = ord(f) if len(f) == 1 else _DROPPED if not f else _SEVERAL
        folded = table[cps]
    lowest = int(folded.min())
    if lowest == _SEVERAL:
        return None
    if lowest == _DROPPED:
        folded = folded[folded != _DROPPED]
    return folded.astype(np.uint32).tobytes().decode("utf-32-le", "surrogatepass")


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """``fold(text)`` and, for each folded character, the index of the original character."""
    out: list[str] = []
    offsets: list[int] = []
    table = _FOLD
    for i, ch in enumerate(text):
        f = table[ord(ch)]
        if f:
            out.append(f)
            offsets.extend([i] * len(f))
    return "".join(out), offsets


class _CodeTable(dict):
    def __missing__(self, ch: str) -> str:
        cp = ord(ch)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"
        s = ""
        for _ in range(4):
            cp, r = divmod(cp, 36)
            s = digits[r] + s
        self[ch] = s
        return s


_CODE = _CodeTable()


def char_code(ch: str) -> str:
    """The 4-character token code of one (folded) character."""
    return _CODE[ch]


def bigram_tokens(folded: str) -> list[str]:
    """The tokens of one folded run: its overlapping bigrams, then the sentinel token."""
    if not folded:
        return []
    codes = [_CODE[c] for c in folded]
    toks = [a + b for a, b in zip(codes, codes[1:], strict=False)]
    toks.append(codes[-1] + SENTINEL)
    return toks


# -- the same tokens, vectorized (what the ingest workers run) --------------------------------------
#
# A code point is written as two base-36 digit pairs, cp // 1296 and cp % 1296 (1296 = 36**2), so
# one table of the 1296 two-digit pairs (as little-endian uint16 = two ASCII bytes) turns a
# text's code points into its 4-byte codes. Below VECTOR_MIN characters the per-call overhead of
# numpy costs more than the plain loops (titles, refs), so short texts take the simple path.

VECTOR_MIN = 64
_ALPHABET = b"0123456789abcdefghijklmnopqrstuvwxyz"
_PAIRS = np.frombuffer(bytes(c for a in _ALPHABET for b in _ALPHABET for c in (a, b)), dtype=np.uint16)
_SENTINEL_BYTES = np.frombuffer(SENTINEL.encode("ascii"), dtype=np.uint8)


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _code_bytes(cps: np.ndarray) -> np.ndarray:
    """(n, 4) uint8: the ASCII bytes of each code point's 4-character code."""
    hi, lo = np.divmod(cps, 1296)
    out = np.empty((len(cps), 2), dtype=np.uint16)
    out[:, 0] = _PAIRS[hi]
    out[:, 1] = _PAIRS[lo]
    return out.view(np.uint8)


def bigram_index(folded: str) -> str:
    """``" ".join(bigram_tokens(folded))``, vectorized for long texts: one row of 9 bytes per
    character (its code, the next character's code or the sentinel, a space), decoded once."""
    if len(folded) < VECTOR_MIN:
        return " ".join(bigram_tokens(folded))
    codes = _code_bytes(_code_points(folded))
    rows = np.empty((len(codes), 9), dtype=np.uint8)
    rows[:, :4] = codes
    rows[:-1, 4:8] = codes[1:]
    rows[-1, 4:8] = _SENTINEL_BYTES
    rows[:, 8] = 32
    return str(rows.reshape(-1)[:-1], "ascii")


def chars_index(folded: str) -> str:
    """The codes of the distinct characters of a folded text, in code point order (which is
    also the order of the codes as strings), space-separated: what a one-character query matches.
    (Cheaper than an FTS prefix index over the bigrams, which repeats every position of every
    bigram: here one short doclist entry per document and character.)"""
    if len(folded) < VECTOR_MIN:
        return " ".join([_CODE[c] for c in sorted(set(folded))])
    cps = _code_points(folded)
    if int(cps.max()) < 0x10000:  # the usual case: 16-bit values sort by radix sort, 3x faster
        cps = np.sort(cps.astype(np.uint16), kind="stable")
        cps = cps[np.concatenate(([True], cps[1:] != cps[:-1]))].astype(np.uint32)
    else:
        cps = np.unique(cps)
    rows = np.empty((len(cps), 5), dtype=np.uint8)
    rows[:, :4] = _code_bytes(cps)
    rows[:, 4] = 32
    return str(rows.reshape(-1)[:-1], "ascii")


def query_tokens(folded: str) -> tuple[list[str], bool]:
    """Tokens a folded query term must match: (bigram phrase, False) for n >= 2 characters,
    or ([char code], True) for one character, meaning "any token starting with it"."""
    if len(folded) == 1:
        return [_CODE[folded]], True
    codes = [_CODE[c] for c in folded]
    return [a + b for a, b in zip(codes, codes[1:], strict=False)], False
