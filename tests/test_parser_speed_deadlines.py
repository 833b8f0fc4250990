"""The deadline scan's hint prefilters and its whitespace removal change no result.

``ref_candidates`` is ``_candidates`` copied verbatim from ``git show 6c6fdc4:src/gongbao/extract/deadlines.py``
(each pattern scanned whenever the characters it needs occur anywhere in the text); the current
``_candidates`` also asks for a substring every match holds before scanning.
``ref_find_deadlines`` and ``ref_parse_deadline`` are the entry points at 6c6fdc4 (whitespace
removed with ``_WS.sub``, not ``"".join(str.split())``), on ``ref_candidates``.
"""

from __future__ import annotations

import re
from datetime import date

from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import SAMPLES
from gongbao.extract import deadlines as D

SAMPLE_LINES = sorted({
    "".join(line.split())
    for path in sorted(SAMPLES.glob("*.txt")) for line in path.read_text("utf-8").split("\n") if line.strip()
})


def ref_candidates(text: str, signed: date | None, phrase_mode: bool) -> list[D.Deadline]:
    found: list[D.Deadline] = []

    def add(m: re.Match[str], kind: str, when: date | None) -> None:
        found.append(D.Deadline(m.group(0), kind, when.isoformat() if when else None, m.start(), m.end()))

    if "每" in text:
        for m in D._RECURRING.finditer(text):
            add(m, "recurring", D._resolve_recurring(m, signed))
    has_month = "月" in text
    has_dash = D._DASH_CHARS.search(text) is not None
    for m in D._RANGE.finditer(text) if has_dash and has_month and "年" in text and "日" in text else ():
        y = D._num(m.group("y"))
        y2 = D._num(m.group("y2")) if m.group("y2") else y
        m2 = D._num(m.group("m2")) if m.group("m2") else D._num(m.group("m1"))
        add(m, "date", D._make(y2, m2, D._num(m.group("d2")), signed))
    for m in D._MONTH_RANGE.finditer(text) if has_dash and has_month else ():
        if not (phrase_mode or m.group(0).endswith(("前", "底", "末"))):
            continue
        y = D._num(m.group("y")) if m.group("y") else None
        add(m, "date", D._make(y, D._num(m.group("m2")), None, signed, month_end=True))
    for m in D._FULL.finditer(text) if has_month and "日" in text else ():
        if not (phrase_mode or m.group("before")) or D._SCOPE.match(text, m.end()):
            continue
        y = D._num(m.group("y")) if m.group("y") else None
        add(m, "date", D._make(y, D._num(m.group("m")), D._num(m.group("d")), signed))
    has_end = D._END_CHARS.search(text) is not None
    for m in D._MONTH_END.finditer(text) if has_end and has_month else ():
        if not (phrase_mode or m.group("before") or m.group("y")):
            continue
        y = D._num(m.group("y")) if m.group("y") else None
        month = D._num(m.group("m"))
        end = m.group("end")
        day = {"上旬": 10, "中旬": 20}.get(end)
        add(m, "date", D._make(y, month, day, signed, month_end=day is None))
    for m in D._MONTH_BEFORE.finditer(text) if has_month and "前" in text else ():
        y = D._num(m.group("y")) if m.group("y") else None
        month = D._num(m.group("m"))
        first = D._make(y, month, 1, signed)
        add(m, "date", first)
    for m in D._YEAR_END.finditer(text) if has_end else ():
        if not m.group("y") and not m.group(0).startswith(("年底", "年末")):
            continue
        if not (phrase_mode or m.group("before") or m.group("y")):
            continue
        y = D._num(m.group("y")) if m.group("y") else (signed.year if signed else None)
        add(m, "date", date(y, 12, 31) if y and 1900 <= y <= 2100 else None)
    for m in D._YEAR_WITHIN.finditer(text) if "年内" in text or "半年" in text else ():
        y = D._num(m.group("y"))
        month = 6 if m.group(0).endswith("上半年") else 12
        add(m, "date", D._month_end(y, month) if y and 1900 <= y <= 2100 else None)
    for m in D._YEAR_TARGET.finditer(text) if ("于" in text or "在" in text) and "年" in text else ():
        y = D._num(m.group("y"))
        add(m, "date", date(y, 12, 31) if y and 1900 <= y <= 2100 else None)
    for m in D._RELATIVE.finditer(text) if "内" in text else ():
        if D._num(m.group("n")) is not None:
            add(m, "relative", None)
    if phrase_mode:
        for m in D._ONGOING.finditer(text):
            add(m, "ongoing", None)
    return found


def ref_find_deadlines(text: str, signed: str | date | None = None) -> list[D.Deadline]:
    compact = D._WS.sub("", text or "")
    if not compact or D._CUE_RE.search(compact) is None:
        return []
    return D._non_overlapping(ref_candidates(compact, D._as_date(signed), phrase_mode=False))


def ref_parse_deadline(phrase: str, signed: str | date | None = None) -> D.Deadline | None:
    compact = D._WS.sub("", phrase or "")
    if not compact:
        return None
    return D.pick_deadline(D._non_overlapping(ref_candidates(compact, D._as_date(signed), phrase_mode=True)),
                           allow_relative=True)


def test_whitespace_removal_equals_the_regex_on_every_code_point() -> None:
    every = "".join(map(chr, range(0x110000)))
    assert "".join(every.split()) == D._WS.sub("", every)


TOKENS = (
    "2020|2021|二〇二一|年|月|日|份|底|末|前|之前|以前|上旬|中旬|下旬|内|以内|工作日|个|天|周|每|季度|半年|年底|年末|"
    "1|6|12|31|10|三|十|十二|两|〇|○|—|-|－|–|~|～|至|到|于|在|建成|完成|实现|投入|全面|基本|时|15:00|的|，|。|；|、|"
    "前完成|持续推进|长期坚持|常态化|日前|月前|月份前|个月内|日内|年内|上半年|每年|每月|每周五|项目|内容|国内|"
    " |\t|\n|\u3000|\u00a0|\u2028|\x1c|\x85"
).split("|")
texts = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=16).map("".join),
    st.text(st.sampled_from("2016年月日份底末前之以内工作个天周每—-至于在，。的旬上中下两一十〇"), max_size=24),
)
signeds = st.one_of(st.none(), st.dates(min_value=date(1999, 1, 1), max_value=date(2101, 12, 31)))


@settings(max_examples=3000, deadline=None)
@given(texts, signeds, st.booleans())
@example("2020年9月1日—9月5日", date(2020, 7, 1), False)
@example("6-7月底前", date(2020, 7, 1), False)
@example("10个工作日内", None, False)
@example("于2021年建成", None, False)
@example("11月15日前", date(2020, 12, 20), False)
@example("9月份前", date(2020, 7, 1), True)
def test_candidates_equal_the_unfiltered_scan(text: str, signed: date | None, phrase_mode: bool) -> None:
    assert D._candidates(text, signed, phrase_mode) == ref_candidates(text, signed, phrase_mode)


def test_every_sample_line_gives_the_same_candidates() -> None:
    signed = date(2020, 7, 28)
    for line in SAMPLE_LINES:
        for phrase_mode in (False, True):
            assert D._candidates(line, signed, phrase_mode) == ref_candidates(line, signed, phrase_mode), line


@settings(max_examples=2000, deadline=None)
@given(texts, st.one_of(st.none(), st.dates(min_value=date(1999, 1, 1), max_value=date(2101, 12, 31)).map(str)))
@example("2020 年底前集中公布", "2020-07-28")
@example(" \u3000\n", None)
@example("", None)
def test_entry_points_equal_the_references(text: str, signed: str | None) -> None:
    assert D.find_deadlines(text, signed) == ref_find_deadlines(text, signed)
    assert D.parse_deadline(text, signed) == ref_parse_deadline(text, signed)


def test_every_sample_line_through_the_entry_points() -> None:
    for path in sorted(SAMPLES.glob("*.txt")):
        for line in path.read_text("utf-8").split("\n"):
            assert D.find_deadlines(line, "2020-07-28") == ref_find_deadlines(line, "2020-07-28"), line
            assert D.parse_deadline(line, "2020-07-28") == ref_parse_deadline(line, "2020-07-28"), line
