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
    return text.translate(_FOLD)


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


def index_text(*runs: str) -> str:
    """Space-separated tokens of already-folded runs (each run ends with its sentinel)."""
    return " ".join(t for run in runs for t in bigram_tokens(run))


def query_tokens(folded: str) -> tuple[list[str], bool]:
    """Tokens a folded query term must match: (bigram phrase, False) for n >= 2 characters,
    or ([char code], True) for one character, meaning "any token starting with it"."""
    if len(folded) == 1:
        return [_CODE[folded]], True
    codes = [_CODE[c] for c in folded]
    return [a + b for a, b in zip(codes, codes[1:], strict=False)], False
