"""Near-duplicate and parallel policies: MinHash over character 4-shingles, LSH for candidate pairs,
and a sentence-level alignment of two texts for a comparison view.

Text is cleaned before shingling: only CJK characters, letters and digits are kept (whitespace,
punctuation and OCR line-wrap spaces do not count), so two printings of the same text compare equal.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from datasketch import MinHash, MinHashLSH

SHINGLE = 4
NUM_PERM = 128
_KEEP = re.compile(r"[\u3400-\u9fffA-Za-z0-9]+")
_SENTENCE = re.compile(r"[^。！？；;!?\n]+[。！？；;!?]?")


def clean_text(text: str) -> str:
    """Only CJK characters, ASCII letters and digits, concatenated."""
    return "".join(_KEEP.findall(text))


def shingles(text: str, n: int = SHINGLE) -> set[str]:
    """Character n-shingles of the cleaned text (a short text is its own single shingle)."""
    clean = clean_text(text)
    if len(clean) <= n:
        return {clean} if clean else set()
    return {clean[i:i + n] for i in range(len(clean) - n + 1)}


def minhash(text: str, num_perm: int = NUM_PERM) -> MinHash:
    """MinHash signature of the text's shingles (seeded: the same text gives the same signature)."""
    sig = MinHash(num_perm=num_perm, seed=1)
    sig.update_batch([sh.encode("utf-8") for sh in sorted(shingles(text))])
    return sig


def jaccard(a_text: str, b_text: str) -> float:
    """Exact Jaccard similarity of the two shingle sets."""
    a, b = shingles(a_text), shingles(b_text)
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


@dataclass(frozen=True, slots=True)
class Pair:
    a: str  # keys as given, a < b
    b: str
    jaccard: float  # MinHash estimate


def near_duplicates(docs: Mapping[str, str] | Iterable[tuple[str, str]], threshold: float = 0.5,
                    num_perm: int = NUM_PERM, min_chars: int = 50) -> list[Pair]:
    """Pairs of texts whose estimated Jaccard similarity is at least ``threshold``, most similar
    first. ``docs`` maps a key (文号, id) to the text; texts shorter than ``min_chars`` cleaned
    characters are left out (a two-line notice matches every other notice)."""
    items = list(docs.items()) if isinstance(docs, Mapping) else list(docs)
    if not 0.0 < threshold <= 1.0:
        raise ValueError("threshold must be in (0, 1]")
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    sigs: dict[str, MinHash] = {}
    for key, text in items:
        if key in sigs or len(clean_text(text)) < min_chars:
            continue
        sig = minhash(text, num_perm)
        sigs[key] = sig
        lsh.insert(key, sig)
    pairs: dict[tuple[str, str], float] = {}
    for key, sig in sigs.items():
        for other in lsh.query(sig):
            if other == key:
                continue
            a, b = sorted((key, other))
            if (a, b) not in pairs:
                estimate = sigs[a].jaccard(sigs[b])
                if estimate >= threshold:
                    pairs[(a, b)] = estimate
    return sorted((Pair(a, b, j) for (a, b), j in pairs.items()), key=lambda p: (-p.jaccard, p.a, p.b))


@dataclass(frozen=True, slots=True)
class Segment:
    op: str  # "equal" | "replace" | "insert" | "delete"
    a: str  # the sentences of the first text in this segment ('' for insert)
    b: str  # the sentences of the second text ('' for delete)
    a_start: int  # sentence indexes, half-open
    a_end: int
    b_start: int
    b_end: int


def sentences(text: str) -> list[str]:
    """Sentences ending in 。！？； (or a line end), whitespace-trimmed, empty ones dropped."""
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def align(a_text: str, b_text: str) -> list[Segment]:
    """Sentence-level alignment of two texts. Sentences are compared on their cleaned text, so
    punctuation and spacing differences are ``equal``; the segments give back the printed text.

    >>> [s.op for s in align("甲。乙。丙。", "甲。丁。丙。")]
    ['equal', 'replace', 'equal']
    """
    a_sents, b_sents = sentences(a_text), sentences(b_text)
    matcher = difflib.SequenceMatcher(None, [clean_text(s) for s in a_sents], [clean_text(s) for s in b_sents],
                                      autojunk=False)
    ops = {"equal": "equal", "replace": "replace", "insert": "insert", "delete": "delete"}
    return [
        Segment(ops[tag], "".join(a_sents[i1:i2]), "".join(b_sents[j1:j2]), i1, i2, j1, j2)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]
