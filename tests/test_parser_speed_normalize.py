"""Fast paths of gongbao.normalize agree with the definitions they replaced.

References are copied verbatim from ``git show 6c6fdc4:src/gongbao/normalize.py``:
``_PUNCT_AFTER`` (an alternation without a common first character) and ``normalize_punctuation``
(its ``_PAIR`` loop without the test for a remaining bracket pair).
"""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import SAMPLES
from gongbao import normalize
from gongbao.normalize import CJK, IDEO, clean_line

SAMPLE_LINES = sorted({
    line for path in sorted(SAMPLES.glob("*.txt")) for line in path.read_text("utf-8").split("\n")
})
FAST = settings(max_examples=3000, deadline=None)

# --- references (6c6fdc4) -------------------------------------------------------------------------

OLD_PUNCT_AFTER = re.compile(
    rf" (?<=[{CJK}] ) *{normalize._PUNCT_RUN}|[,;:?!](?<=[{CJK}][,;:?!])(?: *[,;:?!])*"
)
OLD_PAIR = re.compile(rf"\(([^()]*[{IDEO}][^()]*)\)")


def ref_normalize_punctuation(text: str) -> str:
    """normalize_punctuation at 6c6fdc4, with the old _PUNCT_AFTER."""
    if normalize._PUNCT_HINT.search(text) is None:
        return text
    if "and" in text:
        text = normalize._AND.sub("和", text)
    if "(" in text or ")" in text:
        for _ in range(16):
            text, n = OLD_PAIR.subn(normalize._full_pair, text)
            if not n:
                break
        text = normalize._LONE_OPEN.sub("（", text)
        text = normalize._LONE_CLOSE.sub(normalize._close, text)
    if normalize._HALF_PUNCT.search(text) is None:
        return text
    text = OLD_PUNCT_AFTER.sub(normalize._full, text)
    return normalize._PUNCT_BEFORE.sub(normalize._full, text)


def ref_clean_line(line: str, *, columns: bool = True) -> str:
    """clean_line at 6c6fdc4 without its prefilter, on the reference punctuation."""
    text = normalize.strip_markup(normalize._translate(line)).strip(" ")
    text = ref_normalize_punctuation(text)
    text = normalize.join_cjk_spaces(text, columns=columns)
    return normalize._MULTI_SPACE.sub(" ", text) if "  " in text else text


# --- strategies -----------------------------------------------------------------------------------

PUNCT_CHARS = "中文，。a1Z ,;:?!()（）\u3000-、《》“”①Ⅳ□𠀀〇々\t"
PUNCT_TOKENS = (
    "朔州|市人民政府|各县|(|)|((|))|（|）|,|;|:|?|!|，|。| |  |and| and |(1)|(市、区)|15:00|GB50016-2014|"
    "x|2020|年|①|“|”|…|—|《|》|𠀀|〇|Ａ|:)|(,|, |; |中(|)中|(a)|(中)"
).split("|")
punct_texts = st.one_of(
    st.text(st.sampled_from(PUNCT_CHARS), max_size=24),
    st.lists(st.sampled_from(PUNCT_TOKENS), max_size=14).map("".join),
    st.text(max_size=16),
)


@FAST
@given(punct_texts)
@example("中 ,, ; :中")
@example("中,a")
@example(" ,中")
@example("a ,中")
@example("((中))")
@example("(((((((((((((((((中)))))))))))))))))")  # deeper than the 16 passes
@example("(1)中(2)")
@example("a, 中")  # only _PUNCT_BEFORE converts: a half-width comma is left after _PUNCT_AFTER
@example("1:2中,a")
@example("中and文")  # no punctuation at all, but an "and"
def test_punct_after_equals_the_old_alternation(text: str) -> None:
    assert normalize._PUNCT_AFTER.sub(normalize._full, text) == OLD_PUNCT_AFTER.sub(normalize._full, text)
    assert [m.span() for m in normalize._PUNCT_AFTER.finditer(text)] == [
        m.span() for m in OLD_PUNCT_AFTER.finditer(text)
    ]
    assert normalize.normalize_punctuation(text) == ref_normalize_punctuation(text)


@settings(max_examples=1500, deadline=None)
@given(punct_texts, st.booleans())
def test_clean_line_equals_reference(text: str, columns: bool) -> None:
    assert clean_line(text, columns=columns) == ref_clean_line(text, columns=columns)


def test_every_sample_line_cleans_as_before() -> None:
    for line in SAMPLE_LINES:
        assert normalize.normalize_punctuation(line) == ref_normalize_punctuation(line), line
        for columns in (True, False):
            assert clean_line(line, columns=columns) == ref_clean_line(line, columns=columns), line
