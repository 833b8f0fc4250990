"""An analysis view of the source lines: markup stripped and whitespace squeezed out.

Segmentation looks at lines through this view (``compact``), while extraction of values goes
back to the source lines so that every value keeps its provenance.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate

from gongbao.normalize import strip_markup

_WS = re.compile(r"\s+")
_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_SPACE_IN_CJK = re.compile(rf"(?<=[{_CJK}])[ \t\u3000]+(?=[{_CJK}\d])|(?<=[{_CJK}\d])[ \t\u3000]+(?=[{_CJK}])")


def compact(line: str) -> str:
    """The line without markup and without any whitespace (for matching, not for display)."""
    # "".join(split()) drops exactly what \s+ matches (both use str.isspace), without a regex.
    if _MARKUP_CHAR.search(line) is None:
        # strip_markup only acts on a line holding one of these characters (a leading #, >, -,
        # *, +, • marker, "**" or "<" of a tag): most lines skip its call frames.
        return "".join(line.split())
    return "".join(strip_markup(line).split())


_MARKUP_CHAR = re.compile("[#>*+\\-•<]")


def tidy(text: str) -> str:
    """Markup removed, whitespace inside Chinese removed, other runs of whitespace squeezed."""
    text = strip_markup(text).replace("\t", " ")
    text = _SPACE_IN_CJK.sub("", text)
    return _WS.sub(" ", text).strip()


def soft_key(text: str | None) -> str:
    """Width-, space- and punctuation-insensitive key for comparing titles."""
    if not text:
        return ""
    if _stable_class().fullmatch(text) is not None:
        return _DROP_BMP.sub("", text)  # NFKC would change only characters dropped anyway
    s = unicodedata.normalize("NFKC", text)
    if _ASTRAL.search(s) is None:
        return _DROP_BMP.sub("", s)  # C-level passes (the usual case)
    # Letters and digits (\w but "_") are never whitespace, punctuation or symbols: only the other
    # characters need the per-character test, instead of every character of the title.
    return _NON_WORD.sub(_drop_punct_space, s)


_NON_WORD = re.compile(r"[\W_]")


def _dropped(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch).startswith(("P", "S"))


# The whitespace, punctuation and symbol characters of the Basic Multilingual Plane as one character
# class (built once at import, ~20 ms; a regex class is a C bitmap test, 3x faster than
# ``str.translate`` with a dict); text with characters beyond the BMP takes the per-character path.
_DROP_BMP = re.compile("[" + "".join(re.escape(chr(cp)) for cp in range(0x10000) if _dropped(chr(cp))) + "]+")
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


@cache
def _stable_class() -> re.Pattern[str]:
    """Text made only of these characters needs no NFKC before ``_DROP_BMP``: NFKC leaves each
    character alone or maps it to characters that ``_DROP_BMP`` drops like the character itself
    (full-width punctuation, ``…``, exotic spaces), and no two of them compose or reorder.

    A BMP character qualifies when it has no decomposition, combining class 0, is not the second
    character of a canonical composition pair (those are looked up in planes 0-1, where every
    composite lives) and is not Hangul (composed by rule, not by table); or when it is dropped
    and its NFKD consists of such characters, all dropped. Most lines of a gazette (ideographs,
    ASCII, full-width punctuation) qualify, and NFKC, which spent 16 us a line rebuilding lines
    with full-width punctuation, was half of ``soft_key``. Built on first use (~0.1 s).
    """
    dropped, kept = _stable_members()
    return re.compile("[" + dropped + kept + "]*")


@cache
def _stable_members() -> tuple[str, str]:
    """The members of :func:`_stable_class` that ``soft_key`` drops and those it keeps, each as the
    body of a regex character class (ranges of code points)."""
    seconds: set[int] = set()
    for cp in range(0x20000):
        d = unicodedata.decomposition(chr(cp))
        if d and d[0] != "<" and len(parts := d.split()) == 2:
            seconds.add(int(parts[1], 16))

    def inert(ch: str) -> bool:
        cp = ord(ch)
        return (
            not unicodedata.decomposition(ch)
            and unicodedata.combining(ch) == 0
            and cp not in seconds
            and not (0x1100 <= cp <= 0x11FF or 0xA960 <= cp <= 0xA97F or 0xAC00 <= cp <= 0xDFFF)
        )

    dropped: list[int] = []
    kept: list[int] = []
    for cp in range(0x10000):
        ch = chr(cp)
        if inert(ch) or (
            _dropped(ch)
            and unicodedata.combining(ch) == 0
            and cp not in seconds
            and unicodedata.decomposition(ch)
            and all(inert(x) and _dropped(x) for x in unicodedata.normalize("NFKD", ch))
        ):
            (dropped if _dropped(ch) else kept).append(cp)
    return _class_ranges(dropped), _class_ranges(kept)


def _class_ranges(cps: list[int]) -> str:
    """Ascending code points as a character class body of ranges ("a-z0-9"); a class of ranges
    compiles in a fraction of the time of the same class spelled out character by character."""
    out: list[str] = []
    i = 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        out.append(re.escape(chr(cps[i])) + ("-" + re.escape(chr(cps[j])) if j > i else ""))
        i = j + 1
    return "".join(out)


@cache
def _key_head() -> re.Pattern[str]:
    """The first four kept characters (one group each) of a line that starts with stable
    characters up to and including its fourth kept one, followed by another stable character or
    the end. As in :func:`_soft_prefix`, NFKC maps that stable head on its own (the next character
    starts a stable segment), character by character, to itself or to dropped characters: the
    groups are ``soft_key(line)[:4]``, however short the line."""
    dropped, kept = _stable_members()
    return re.compile(f"[{dropped}]*([{kept}])" * 4 + f"(?=[{dropped}{kept}]|\\Z)")


_PREFIX_CHARS = 16


def _soft_prefix(text: str) -> str:
    """``soft_key(text)[:4]`` read from the first characters of ``text`` only, or "" when they do
    not settle it. When the first 17 characters are in :func:`_stable_class`, NFKC maps the first
    16 on their own (the 17th starts a stable segment: nothing before it composes or reorders
    with what follows), so the key of ``text[:16]`` is a prefix of the key of ``text``: the title
    index needs 4 characters of every line, not the key of the whole line. (The index now reads
    those characters with :func:`_key_head`, which also settles short lines.)"""
    if len(text) > _PREFIX_CHARS and _stable_class().fullmatch(text, 0, _PREFIX_CHARS + 1) is not None:
        key = _DROP_BMP.sub("", text[:_PREFIX_CHARS])
        if len(key) >= 4:
            return key[:4]
    return ""


def _drop_punct_space(m: re.Match[str]) -> str:
    ch = m.group(0)
    return "" if _dropped(ch) else ch


@dataclass(slots=True)
class Lines:
    """The source lines of an issue (0-based list, 1-based accessors) with their compact view."""

    raw: Sequence[str]
    compacted: list[str]
    # soft_key of each compact line, computed on first use: titles located through the 目录 are
    # looked for line by line, once per 目录 entry, and recomputing the key (NFKC + punctuation
    # removal) of every line for every entry was half of the parse time on issues with many
    # documents found that way.
    _soft: list[str | None] = field(default_factory=list, repr=False)
    _by_prefix: dict[str, list[int]] | None = field(default=None, repr=False)
    # The source text again ("\n".join(raw)) and the offset where each line starts in it, for
    # lines_matching; built on first use.
    _joined: str = field(default="", repr=False)
    _starts: list[int] | None = field(default=None, repr=False)

    @classmethod
    def from_text(cls, text: str) -> Lines:
        raw = text.split("\n")
        return cls(raw=raw, compacted=[compact(line) for line in raw])

    def __len__(self) -> int:
        return len(self.raw)

    def c(self, lineno: int) -> str:
        """Compact view of 1-based line ``lineno`` ('' outside the text)."""
        return self.compacted[lineno - 1] if 1 <= lineno <= len(self.raw) else ""

    def soft(self, lineno: int) -> str:
        """``soft_key`` of the compact view of line ``lineno`` (memoized per Lines object)."""
        if not 1 <= lineno <= len(self.raw):
            return ""
        if not self._soft:
            self._soft = [None] * len(self.raw)
        key = self._soft[lineno - 1]
        if key is None:
            key = self._soft[lineno - 1] = soft_key(self.compacted[lineno - 1])
        return key

    def lines_starting(self, prefix: str, lo: int, hi: int) -> list[int]:
        """Non-blank lines ``lo``..``hi`` whose soft key starts with ``prefix`` (4 characters),
        ascending; the lines are grouped by soft-key prefix once per Lines object."""
        if self._by_prefix is None:
            groups: dict[str, list[int]] = {}
            head = _key_head().match
            for n, c in enumerate(self.compacted, 1):
                if c:
                    m = head(c)
                    groups.setdefault("".join(m.groups()) if m else self.soft(n)[:4], []).append(n)
            self._by_prefix = groups
        found = self._by_prefix.get(prefix, [])
        return found[bisect_left(found, lo):bisect_right(found, hi)]

    def lines_matching(self, pattern: re.Pattern[str], lo: int, hi: int) -> list[int]:
        """Lines ``lo``..``hi`` (1-based, inclusive, clipped to the text) whose source text holds a
        match of ``pattern``, ascending. ``pattern`` must not match a newline or look past one.

        Extractors that act on a few lines (those with 号, with 施行 …) find them with one C-level
        search over the span instead of a Python-level test of every line; the search resumes at
        the start of the line after each hit.

        >>> Lines.from_text("甲号\\n乙\\n丙号号\\n丁").lines_matching(re.compile("号"), 1, 4)
        [1, 3]
        """
        if self._starts is None:
            starts = list(accumulate([len(line) + 1 for line in self.raw], initial=0))
            self._joined, self._starts = "\n".join(self.raw), starts
        starts = self._starts
        lo, hi = max(lo, 1), min(hi, len(self.raw))
        if lo > hi:
            return []
        text, pos, end = self._joined, starts[lo - 1], starts[hi] - 1
        found: list[int] = []
        search = pattern.search
        while pos <= end:
            m = search(text, pos, end)
            if m is None:
                break
            n = bisect_right(starts, m.start())
            found.append(n)
            pos = starts[n]
        return found

    def next_nonblank(self, lineno: int, limit: int | None = None) -> int | None:
        """First non-blank line after ``lineno`` (exclusive), up to ``limit`` (inclusive)."""
        stop = len(self.raw) if limit is None else min(limit, len(self.raw))
        for n in range(lineno + 1, stop + 1):
            if self.compacted[n - 1]:
                return n
        return None

    def prev_nonblank(self, lineno: int, floor: int = 1) -> int | None:
        for n in range(lineno - 1, max(floor, 1) - 1, -1):
            if self.compacted[n - 1]:
                return n
        return None
