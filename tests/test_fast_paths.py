"""The parser's fast paths agree with the slower definitions they stand in for.

Each fast path (commits e3d9a65, 98243a1, 62e070e, 3753f7a, 579c634) is checked against a reference
kept here, copied from the code before them (``git show cf91a11:<path>``): hypothesis properties on
text built to reach the corners (combining marks, Hangul jamo, compatibility characters, astral
characters, dates at both ends, lines with "and" or a leading marker), every line of the bundled
samples, and a table of real cases from the samples with their expected values.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import SAMPLES
from gongbao import normalize
from gongbao.extract import body, units, validity
from gongbao.extract.citations import _CITE_CHARS, _UPPER
from gongbao.normalize import LineCleaner, clean_line
from gongbao.segment import lines as seg
from gongbao.segment.lines import Lines, soft_key

SAMPLE_LINES = [
    line for path in sorted(SAMPLES.glob("*.txt")) for line in path.read_text("utf-8").split("\n")
]
FAST = settings(max_examples=300, deadline=None)

# --- references (the code before the fast paths) -------------------------------------------------


def ref_soft_key(text: str | None) -> str:
    """soft_key at cf91a11 (src/gongbao/segment/lines.py): NFKC first, always."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text)
    if seg._ASTRAL.search(s) is None:
        return seg._DROP_BMP.sub("", s)
    return seg._NON_WORD.sub(seg._drop_punct_space, s)


def ref_clean_line(line: str, *, columns: bool = True) -> str:
    """clean_line without any 'may change' prefilter: every step, on every line."""
    return normalize._clean(normalize.strip_markup(normalize._translate(line)), columns)


# clean_line's prefilter at cf91a11 (src/gongbao/normalize.py), verbatim.
OLD_MAY_CHANGE = re.compile(
    normalize._NEEDS_TRANSLATE.pattern + r"|^\s*(?:#|>|[-*+•]\s)|\*\*|<| |" + normalize._PUNCT_HINT.pattern
)

# body._DATE_END at cf91a11 (src/gongbao/extract/body.py), verbatim.
OLD_DATE_END = re.compile(
    r"(?:\d{4}|[〇零一二三四五六七八九]{4})年\d{1,2}月\d{1,2}日$|^\d{4}年\d{1,2}月\d{1,2}日|[〔\[(（]\d{4}[〕\])）]\d+号$"
)


def ref_split_units(clause: str) -> list[str]:
    """split_units at cf91a11 (src/gongbao/extract/units.py), not memoized."""
    out: list[str] = []
    for piece in units._top_level_pieces(clause.strip()):
        piece = piece.strip().strip("。:：")
        if not piece:
            continue
        for part in units._split_whitespace(piece):
            part = units._compact(part)
            if part.endswith("等") and len(part) > 1:
                part = part[:-1]
            if part:
                out.extend(units._split_glued(part))
    return out


def ref_looks_like_unit(name: str) -> bool:
    """looks_like_unit at cf91a11, not memoized."""
    text = units._strip_trailing_parens(units._compact(name))
    if not text or len(text) > 40:
        return False
    return units.resolve_unit(text).resolved or text.endswith(units._UNIT_SUFFIX)


def ref_lines_matching(lines: Lines, pattern: re.Pattern[str], lo: int, hi: int) -> list[int]:
    """One search per line, as citations and validity did at cf91a11."""
    return [n for n in range(max(lo, 1), min(hi, len(lines.raw)) + 1) if pattern.search(lines.raw[n - 1])]


def ref_lines_starting(lines: Lines, prefix: str, lo: int, hi: int) -> list[int]:
    """Non-blank lines whose full soft key starts like ``prefix`` (the index at cf91a11)."""
    return [
        n
        for n in range(max(lo, 1), min(hi, len(lines.raw)) + 1)
        if lines.compacted[n - 1] and ref_soft_key(lines.compacted[n - 1])[:4] == prefix
    ]


# --- strategies -----------------------------------------------------------------------------------

# Characters where NFKC and the punctuation drop interact: full-width and exotic punctuation and
# spaces, compatibility characters that NFKC turns into letters (™ ℃ ½ ①), combining marks,
# characters that are the second of a canonical composition with combining class 0 (Oriya, Bengali,
# Kannada, Sinhala, Myanmar vowel signs), Hangul jamo and syllables, astral letters and symbols.
KEY_CHARS = (
    "中文朔州市政府关于实施意见一二三"
    "abcAeoE019_ "
    "，。、：；（）！？《》“”…‥·—　\u00a0\u2003\t"
    "ＡＢ１２ｆ"
    "™℃½①㈠㍻ﬁ²ℌ"
    "\u0301\u0308\u0323\u0345\u0b3e\u0b47\u0b57\u09be\u09c7\u09d7\u0cc2\u0cc6\u0cd5\u0dcf\u0dd9\u102e\u1025"
    "\u1100\u1161\u11a8가각\u3131"
    "\U00020000\U0001d400\U0001f600\U0001d15e\U000110a5"
)
key_texts = st.one_of(
    st.text(st.sampled_from(KEY_CHARS), max_size=40),
    st.text(max_size=24),
    # mostly punctuation: the first 16 characters of a line may hold fewer than 4 kept ones
    st.text(
        st.sampled_from("，。、：；（）　…· " * 3 + "ae中\u0301\u0308\u0b3e\u1161\u11a8™½"),
        min_size=14,
        max_size=24,
    ),
)

LINE_TOKENS = (
    "朔州|市人民政府|各县|(|)|（|）|,|;|:|?|!|，|。| |  |\t|\u3000|\u00a0|\u200b|\ufeff|and|an|d|"
    "**|*|<|<br>|<b>|</b>|>|# |#|- |-|+ |• |Ａ|１|15:00|(1)|GB50016-2014|x|2020|年|\r"
).split("|")
line_texts = st.lists(st.sampled_from(LINE_TOKENS), max_size=12).map("".join)

DATE_TOKENS = (
    "2020|年|8|13|月|日|号|〔|〕|[|]|(|)|（|）|二〇二〇|〇|零|九|２０２０|٢٠٢٠|１|朔政发|人民政府| |\n|"
    "2020年8月13日|〔2020〕26号"
).split("|")
date_texts = st.lists(st.sampled_from(DATE_TOKENS), max_size=10).map("".join)

UNIT_TOKENS = (
    "市发改委|市商务局|各县（市、区）人民政府|市工信局(国资委)|市规划和自然资源局|市交通局市公安局朔州公路分局|市 发改委|市 司法局|领导小组|朔城区|"
    "市直有关部门|开发区管委会|的|负责|等|和|及|以及|与|、|，|,|；|/| |。|：|（|）|(|)|〔|〕"
).split("|")
unit_clauses = st.lists(st.sampled_from(UNIT_TOKENS), max_size=10).map("".join)

MATCH_PATTERNS = [
    _CITE_CHARS,
    validity._HINT,
    re.compile("号"),
    re.compile("[A-Z]{2}"),
    re.compile("号|[A-Z]{2}"),
    re.compile("施行|实施"),
    re.compile("x*"),  # matches the empty string: every line in range
]
source_texts = st.lists(
    st.text(st.sampled_from("号AB施行实至甲 \r\tx"), max_size=6), min_size=1, max_size=12
).map("\n".join)

# --- soft_key: _stable_class, _soft_prefix, lines_starting ----------------------------------------


def test_stable_class_members_need_no_nfkc():
    """Exhaustive over the BMP: for every member of the class, NFKC changes nothing the key keeps."""
    stable = seg._stable_class()
    bad = [
        ch
        for ch in map(chr, range(0x10000))
        if stable.fullmatch(ch)
        and seg._DROP_BMP.sub("", unicodedata.normalize("NFKC", ch)) != seg._DROP_BMP.sub("", ch)
    ]
    assert bad == []


@FAST
@given(key_texts)
@example("ᄀ\u1161")  # conjoining jamo compose into 가
@example("가\u11a8")  # LV + T jamo compose into 각
@example("\u0b47\u0b3e")  # a second of a canonical pair with combining class 0
@example("℃™½①")  # dropped symbols that NFKC turns into letters and digits
@example("ｆｉ\ufb01")
def test_soft_key_equals_nfkc_reference(text):
    assert soft_key(text) == ref_soft_key(text)


@FAST
@given(key_texts)
@example("，" * 12 + "abce\u0301")  # the 17th character composes with the 16th
@example("，" * 12 + "abc\u1100\u1161")  # jamo 16 + 17 compose
@example("中" * 20)
@example("，" * 16 + "中中中中中")  # the first 16 hold no kept character
@example("，" * 14 + "中中，中中")  # the first 16 hold 2 of the 4 kept characters
def test_soft_prefix_is_the_soft_key_prefix_or_nothing(text):
    prefix = seg._soft_prefix(text)
    assert prefix in ("", ref_soft_key(text)[:4])
    if prefix:
        assert len(prefix) == 4


@FAST
@given(st.lists(key_texts, min_size=1, max_size=8).map("\n".join), st.integers(-1, 10), st.integers(-1, 10))
def test_lines_starting_equals_the_full_key_index(text, lo, hi):
    lines = Lines.from_text(text)
    prefixes = {ref_soft_key(c)[:4] for c in lines.compacted} | {"", "中中中中"}
    for prefix in sorted(prefixes):
        assert lines.lines_starting(prefix, lo, hi) == ref_lines_starting(lines, prefix, lo, hi)


def test_soft_key_and_prefix_on_every_sample_line():
    assert SAMPLE_LINES
    for line in SAMPLE_LINES:
        c = seg.compact(line)
        assert soft_key(c) == ref_soft_key(c), line
        assert seg._soft_prefix(c) in ("", ref_soft_key(c)[:4]), line


# --- clean_line's prefilter and LineCleaner -------------------------------------------------------


@FAST
@given(line_texts, st.booleans())
@example("甲and乙", True)  # "and" is not in the class (and \b keeps it here: 甲 and a are both \w)
@example("甲\u2003and\u2003乙", True)  # becomes 甲和乙
@example("\r# 标题", True)  # a leading marker after whitespace other than a space
@example("-\t第一条", False)
@example("中\u200b文", True)
def test_clean_line_equals_full_cleaning(line, columns):
    assert clean_line(line, columns=columns) == ref_clean_line(line, columns=columns)


@FAST
@given(line_texts)
def test_clean_line_prefilter_passes_what_the_old_one_passed(line):
    """Where the old prefilter let a line through unchanged, the full cleaning does not change it
    either (the reference above is what both prefilters stand in for)."""
    if OLD_MAY_CHANGE.search(line) is None:
        assert clean_line(line) == line == ref_clean_line(line)


@FAST
@given(st.lists(st.tuples(line_texts, st.booleans()), max_size=20))
@example([("各县 人民政府", True), ("各县 人民政府", False)])
@example([("组长 武跃飞", False), ("组长 武跃飞", True)])
def test_line_cleaner_memo_equals_clean_line(calls):
    clean = LineCleaner()
    for line, columns in calls + calls:
        assert clean(line, columns=columns) == clean_line(line, columns=columns)


def test_clean_line_on_every_sample_line():
    for line in SAMPLE_LINES:
        for columns in (True, False):
            assert clean_line(line, columns=columns) == ref_clean_line(line, columns=columns), line
        for cell in line.split("\t"):
            assert clean_line(cell, columns=False) == ref_clean_line(cell, columns=False), cell


# --- _date_end ------------------------------------------------------------------------------------


@FAST
@given(date_texts)
@example("朔州市人民政府 2020年8月13日\n")  # $ matches before a final newline: 日 is second to last
@example("朔政发〔2020〕26号\n")
@example("2020年8月13日朔州市人民政府")
@example("二〇二〇年8月13日")
@example("٢٠٢٠年١月١日")  # \d is any decimal digit
def test_date_end_equals_the_old_pattern(text):
    assert body._date_end(text) == (OLD_DATE_END.search(text) is not None)


def test_date_end_on_every_sample_line_and_pair():
    texts = [line.strip() for line in SAMPLE_LINES]
    texts += [a + b for a, b in zip(texts, texts[1:], strict=False)]
    for text in texts:
        assert body._date_end(text) == (OLD_DATE_END.search(text) is not None), text


# --- Lines.lines_matching -------------------------------------------------------------------------


@FAST
@given(
    source_texts,
    st.sampled_from(MATCH_PATTERNS),
    st.lists(st.tuples(st.integers(-2, 15), st.integers(-2, 15)), min_size=1, max_size=4),
)
@example("甲号\n乙\n丙号号\n丁", re.compile("号"), [(1, 4)])
@example("号\n\n号", re.compile("x*"), [(0, 5), (2, 2)])
def test_lines_matching_equals_a_search_per_line(text, pattern, spans):
    lines = Lines.from_text(text)
    for lo, hi in spans:  # several calls on one object: the joined text is built once
        assert lines.lines_matching(pattern, lo, hi) == ref_lines_matching(lines, pattern, lo, hi)


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.txt")), ids=lambda p: p.stem)
def test_lines_matching_on_the_samples(path):
    lines = Lines.from_text(path.read_text("utf-8"))
    n = len(lines)
    for pattern in (_CITE_CHARS, validity._HINT):
        for lo, hi in ((1, n), (0, n + 5), (n // 3, n // 2), (5, 5), (n, 1)):
            assert lines.lines_matching(pattern, lo, hi) == ref_lines_matching(lines, pattern, lo, hi)


@FAST
@given(st.text(st.sampled_from("号AZaz中Ａ１ \t"), max_size=8) | st.text(max_size=8))
@example("GB")
@example("２０２０号")
def test_citation_line_filter_keeps_every_line_the_exact_test_keeps(line):
    """citations.fill looks only at the lines lines_matching(_CITE_CHARS) finds, then keeps those
    holding 号 or two capitals: the class must find every such line."""
    if "号" in line or _UPPER.search(line) is not None:
        assert _CITE_CHARS.search(line) is not None


def test_citation_line_filter_on_every_sample_line():
    kept = [line for line in SAMPLE_LINES if "号" in line or _UPPER.search(line) is not None]
    assert kept
    assert all(_CITE_CHARS.search(line) is not None for line in kept)


# --- memoized split_units / looks_like_unit -------------------------------------------------------


@FAST
@given(unit_clauses)
@example("市发改委、市商务局和各县（市、区）人民政府等")
@example("市交通局市公安局朔州公路分局")
def test_split_units_equals_unmemoized(clause):
    first = units.split_units(clause)
    assert first == ref_split_units(clause)
    for name in first:
        assert units.looks_like_unit(name) == ref_looks_like_unit(name)
    assert units.looks_like_unit(clause) == ref_looks_like_unit(clause)


@FAST
@given(unit_clauses)
@example("市发改委、市商务局")
def test_split_units_returns_a_fresh_list(clause):
    """Callers extend the list they get; the memo must not see it."""
    expected = ref_split_units(clause)
    first = units.split_units(clause)
    first.append("被调用者改动")
    first[:0] = ["x"]
    second = units.split_units(clause)
    assert second is not first
    assert second == expected


# --- real cases from the samples (expected values read off the samples) ---------------------------

DATE_END_CASES = [
    # (paragraph, ends/starts with a date or a 文号)
    ("朔州市人民政府 2020年8月13日", True),  # shuozhou-2020-03 l.146, signature
    ("> 朔州市人民政府办公室 2020年7月29日", True),  # l.564, quoted signature
    ("朔政发〔2020〕26号", True),  # l.61, 文号
    ("朔政办发〔2020〕28号", True),
    ("2020年7月29日 朔州市人民政府办公室", True),  # a date starting a signature line
    ("二〇二〇年八月十三日", False),  # month and day in numerals only
    ("第26号", False),
    ("（2020年8月13日朔州市人民政府第26次常务会议通过）", False),
]


@pytest.mark.parametrize(("text", "expected"), DATE_END_CASES)
def test_date_end_cases(text, expected):
    assert body._date_end(text) is expected
    assert (OLD_DATE_END.search(text) is not None) is expected


CLEAN_CASES = [
    # (source line, columns, cleaned)
    ("> 朔州市人民政府办公室 2020年7月29日", True, "朔州市人民政府办公室2020年7月29日"),
    ("### 一、大幅度放宽市场准入,提升投资自由化水 平", True, "一、大幅度放宽市场准入，提升投资自由化水平"),
    ("**第三条** 中介服务事项实行清单管理。", True, "第三条 中介服务事项实行清单管理。"),
    ("各县(市、区)人民政府,", True, "各县（市、区）人民政府，"),
    ("过程记录 and 材料归档", True, "过程记录和材料归档"),
    (
        "朔州市人民政府关于积极有效利用外资推动经济高质量发展的实施意见",
        True,
        "朔州市人民政府关于积极有效利用外资推动经济高质量发展的实施意见",
    ),
    ("ＧＢ５００１６", False, "GB50016"),
]


@pytest.mark.parametrize(("line", "columns", "expected"), CLEAN_CASES)
def test_clean_line_cases(line, columns, expected):
    assert clean_line(line, columns=columns) == expected
    assert ref_clean_line(line, columns=columns) == expected
    assert LineCleaner()(line, columns=columns) == expected


SOFT_PREFIX_CASES = [
    # (compact line, _soft_prefix, soft_key[:4])
    ("#朔州市人民政府关于积极有效利用外资推动经济高质量发展的实施意见", "朔州市人", "朔州市人"),
    ("（一）全面落实准入前国民待遇加负面清单管理制度。", "一全面落", "一全面落"),
    ("朔政发〔2020〕26号", "", "朔政发2"),  # too short: the full key decides
    ("……………………………………………………………………１２", "", "12"),  # no 4 kept characters in 16
    ("ＡＢＣ朔州市人民政府办公室关于印发的通知", "", "ABC朔"),  # full-width letters: NFKC needed
]


@pytest.mark.parametrize(("line", "prefix", "key4"), SOFT_PREFIX_CASES)
def test_soft_prefix_cases(line, prefix, key4):
    assert seg._soft_prefix(line) == prefix
    assert soft_key(line)[:4] == ref_soft_key(line)[:4] == key4


SPLIT_CASES = [
    # (clause, units)
    ("市发改委、市行政审批服务管理局、市促投局", ["市发改委", "市行政审批服务管理局", "市促投局"]),
    ("市 发改委、市工信局、市规划和自然资源局、", ["市发改委", "市工信局", "市规划和自然资源局"]),
    ("市发改委、市商务局和各县（市、区）人民政府等", ["市发改委", "市商务局", "各县（市、区）人民政府"]),
]


@pytest.mark.parametrize(("clause", "expected"), SPLIT_CASES)
def test_split_units_cases(clause, expected):
    assert units.split_units(clause) == ref_split_units(clause) == expected
