"""Fast paths of gongbao.segment.lines agree with the definitions they replaced.

``lines_starting`` keys every line of an issue on the first four characters of its soft key. It
used ``_soft_prefix`` (the key of the first 16 characters, when the first 17 are NFKC-stable) and
otherwise the full ``soft_key``; it now reads the four characters with one match of
``_key_head`` (stable characters up to the fourth kept one and the character after it). The
reference here is the soft key computed with NFKC on the whole line (``soft_key`` before any fast
path, as in tests/test_fast_paths.py).
"""

from __future__ import annotations

import re
import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import SAMPLES
from gongbao.segment import lines as seg
from gongbao.segment.lines import Lines
from test_fast_paths import KEY_CHARS, ref_soft_key  # soft_key with NFKC on every text

SAMPLE_LINES = sorted({
    line for path in sorted(SAMPLES.glob("*.txt")) for line in path.read_text("utf-8").split("\n")
})
FAST = settings(max_examples=3000, deadline=None)


def ref_index(lines: Lines) -> dict[str, list[int]]:
    """The title index keyed on the full soft key of every non-blank line."""
    groups: dict[str, list[int]] = {}
    for n, c in enumerate(lines.compacted, 1):
        if c:
            groups.setdefault(ref_soft_key(c)[:4], []).append(n)
    return groups


# KEY_CHARS: where NFKC and the punctuation drop interact (the cases of tests/test_fast_paths.py)
key_texts = st.one_of(
    st.text(st.sampled_from(KEY_CHARS), max_size=12),
    st.text(st.sampled_from(KEY_CHARS), max_size=40),
    st.text(max_size=24),
    st.text(st.sampled_from("，。、：；（）　…· " * 3 + "ae中\u0301\u0308\u0b3e\u0b47\u1100\u1161\u11a8™½"), max_size=12),
)


@FAST
@given(key_texts)
@example("中中中中")
@example("中中中e\u0301")  # the 4th kept character composes with the next one
@example("中中中\u1100\u1161")  # jamo compose
@example("abc\u0b47\u0b3e")  # a second of a canonical pair with combining class 0
@example("，，中，中中ｆ中")  # a full-width letter after the 4th kept character
@example("ＡＢ中中中中")  # full-width letters among the first four: NFKC needed
@example("℃中中中中")  # a symbol that NFKC turns into a letter
@example("中中中中\U0001d400")
def test_key_head_is_the_soft_key_prefix(text: str) -> None:
    m = seg._key_head().match(text)
    if m is not None:
        assert "".join(m.groups()) == ref_soft_key(text)[:4]
        assert len(ref_soft_key(text)) >= 4


def test_key_head_on_every_sample_line() -> None:
    hits = 0
    for line in SAMPLE_LINES:
        c = seg.compact(line)
        m = seg._key_head().match(c)
        if m is not None:
            hits += 1
            assert "".join(m.groups()) == ref_soft_key(c)[:4], line
    assert hits > len(SAMPLE_LINES) // 2  # the fast path is the usual case


def test_key_head_rejects_heads_that_need_nfkc() -> None:
    for text in ("中中中e\u0301", "中中中\u1100\u1161", "abc\u0b47\u0b3e", "ＡＢ中中中中", "中中中"):
        assert seg._key_head().match(text) is None, text


def ref_stable_members() -> set[str]:
    """The members of _stable_class as 62e070e listed them, one by one (verbatim logic)."""
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

    members = set()
    for cp in range(0x10000):
        ch = chr(cp)
        if inert(ch) or (
            seg._dropped(ch)
            and unicodedata.combining(ch) == 0
            and cp not in seconds
            and unicodedata.decomposition(ch)
            and all(inert(x) and seg._dropped(x) for x in unicodedata.normalize("NFKD", ch))
        ):
            members.add(ch)
    return members


def test_stable_class_and_its_parts_have_the_old_members() -> None:
    """Built from ranges now: the same characters, split into dropped and kept."""
    members = ref_stable_members()
    dropped, kept = seg._stable_members()
    d, k = re.compile(f"[{dropped}]"), re.compile(f"[{kept}]")
    stable = seg._stable_class()
    for ch in map(chr, range(0x10000)):
        in_d, in_k = d.fullmatch(ch) is not None, k.fullmatch(ch) is not None
        assert not (in_d and in_k), ch
        assert (in_d or in_k) == (ch in members) == (stable.fullmatch(ch) is not None), ch
        if in_d or in_k:
            assert in_d == seg._dropped(ch), ch


@settings(max_examples=1000, deadline=None)
@given(st.lists(key_texts, min_size=1, max_size=8).map("\n".join))
def test_title_index_equals_the_full_key_index(text: str) -> None:
    lines = Lines.from_text(text)
    expected = ref_index(lines)
    for prefix in sorted(set(expected) | {"", "中中中中"}):
        assert lines.lines_starting(prefix, 1, len(lines)) == expected.get(prefix, [])


def test_title_index_on_every_sample() -> None:
    for path in sorted(SAMPLES.glob("*.txt")):
        lines = Lines.from_text(path.read_text("utf-8"))
        expected = ref_index(lines)
        for prefix, found in expected.items():
            if len(prefix) == 4:
                assert lines.lines_starting(prefix, 1, len(lines)) == found, (path.name, prefix)
