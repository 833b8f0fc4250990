"""Deadline phrases -> ISO date, kind and the phrase as printed (extract/deadlines.py)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongbao.extract.deadlines import DEADLINE_KINDS, find_deadlines, parse_deadline, pick_deadline

# (text as printed, signing date of its document, expected (phrase, kind, ISO)); sample and line.
RUNNING_TEXT = [
    ("2020 年底前集中公布", "2020-07-28", ("2020年底前", "date", "2020-12-31")),  # yq L2543
    ("9 月底前，省级以上经济技术开发区", "2020-07-28", ("9月底前", "date", "2020-09-30")),  # yq L2585
    ("每年8月底前上报下年度改造计划", "2020-07-29", ("每年8月底前", "recurring", "2020-08-31")),  # yq L2879
    ("于每年9月底前会同财政部门", "2020-08-17", ("每年9月底前", "recurring", "2020-09-30")),  # sz20 L1045
    ("每年10月1日前…提出", "2020-08-18", ("每年10月1日前", "recurring", "2020-10-01")),  # yq L3615
    ("于2020年11月1日前向市食安委报告", "2020-07-28", ("2020年11月1日前", "date", "2020-11-01")),  # yq L2789
    ("于2020年11月15日前向市食安委报告", "2020-09-07", ("2020年11月15日前", "date", "2020-11-15")),  # sz20 L1402
    ("11月20日前形成年度项目计划清单", "2020-08-18", ("11月20日前", "date", "2020-11-20")),  # yq L3619
    ("8月17日前", "2020-09-01", ("8月17日前", "date", "2020-08-17")),  # sz20 L1229: already past at signing
    ("(2020年9月1日—9月5日)", "2020-09-01", ("2020年9月1日—9月5日", "date", "2020-09-05")),  # sz20 L1213
    ("(2020年9月5日-11月30日)", "2020-09-01", ("2020年9月5日-11月30日", "date", "2020-11-30")),  # sz20 L1215
    ("(2020年12月1—12月31日)", "2020-09-01", ("2020年12月1—12月31日", "date", "2020-12-31")),  # sz20 L1217
    ("在 2022 年 2 月 5 日前将本次暂退的保证金返还", "2020-08-17", ("2022年2月5日前", "date", "2022-02-05")),  # sz20 L1701
    ("于10个工作日内", "2020-08-20", ("10个工作日内", "relative", None)),  # sz20 L225
    ("每周五15:00前", "2020-09-01", ("每周五15:00前", "recurring", "2020-09-04")),  # sz20 L1229
    ("每月1日、15日中午12时前向专班办公室报送", "2021-07-30",
     ("每月1日、15日中午12时前", "recurring", "2021-08-01")),  # sz21 L973
    ("于2021年建成并投入运行", "2020-08-07", ("2021年建成", "date", "2021-12-31")),  # yq L3252
    ("2021年7月底完成", "2021-07-15", ("2021年7月底", "date", "2021-07-31")),  # sz21 L578
    ("年底前，全面实现不动产登记信息网上查询", "2020-07-28", ("年底前", "date", "2020-12-31")),  # yq L2667
]


@pytest.mark.parametrize(("text", "signed", "expected"), RUNNING_TEXT, ids=[r[0][:12] for r in RUNNING_TEXT])
def test_deadlines_in_running_text(text: str, signed: str, expected: tuple[str, str, str | None]) -> None:
    found = find_deadlines(text, signed)
    assert [(d.text, d.kind, d.date) for d in found][:1] == [expected]


@pytest.mark.parametrize("text", [
    "对2019年12月31日前出台的政策措施进行全面清理",  # yq L2637: a scope, not a deadline
    "持续推进化肥农药减量增效",  # sz20 L1438: a verb, not "ongoing"
    "朔州市人民政府 2020年8月13日",  # a signature date
    "到2025年",
])
def test_not_deadlines_in_running_text(text: str) -> None:
    assert [d for d in find_deadlines(text, "2020-08-01") if d.kind != "relative"] == []


@pytest.mark.parametrize(("phrase", "signed", "expected"), [
    ("2021年12月31日", "2021-07-30", ("date", "2021-12-31")),  # sz21 L927 完成时限
    ("11月底前", "2020-09-25", ("date", "2020-11-30")),  # sz20 L1872 column
    ("全年持续推进", "2020-09-25", ("ongoing", None)),  # sz20 L1899 column
    ("长期坚持", "2020-09-25", ("ongoing", None)),
    ("6月底前完成排查,11 月底前完 成治理", "2020-09-25", ("date", "2020-11-30")),  # sz20 L1883: the later one
    ("6-7月底前 完成集中 检查", "2020-09-25", ("date", "2020-07-31")),  # sz20 L1880
    ("10个工作日内", "2020-09-25", ("relative", None)),
    ("升级后确定我市时间表", "2020-09-25", None),  # sz20 L1904
])
def test_phrases_where_a_deadline_is_expected(phrase: str, signed: str,
                                              expected: tuple[str, str | None] | None) -> None:
    found = parse_deadline(phrase, signed)
    assert ((found.kind, found.date) if found else None) == expected


def test_year_comes_from_the_signing_date_and_rolls_over_for_early_months() -> None:
    assert parse_deadline("9月底前", "2021-07-01").date == "2021-09-30"
    assert parse_deadline("3月底前", "2020-12-20").date == "2021-03-31"  # signed in December
    assert parse_deadline("9月底前", None).date is None  # no signing date: no guess
    assert parse_deadline("2020年9月底前", None).date == "2020-09-30"


def test_recurring_takes_the_next_occurrence_after_signing() -> None:
    assert parse_deadline("每年8月底前", "2020-09-10").date == "2021-08-31"
    assert parse_deadline("每月10日前", "2021-04-24").date == "2021-05-10"


def test_pick_prefers_the_latest_dated_deadline() -> None:
    found = find_deadlines("2020年6月底前组织自查，年底前完成清退，2020年底前组织抽查", "2020-07-28")  # yq L2597
    assert pick_deadline(found).date == "2020-12-31"
    assert pick_deadline([]) is None


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789年月日底前末每周季度内个工作天—-至到于在一二三十两〇长期坚持持续推进半上下旬 ,，。")),
               max_size=40),
       st.one_of(st.none(), st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))))
def test_parsers_never_raise_and_dates_are_valid(text: str, signed: date | None) -> None:
    found = find_deadlines(text, signed)
    compact = "".join(text.split())
    for d in found:
        assert d.kind in DEADLINE_KINDS
        assert compact[d.start:d.end] == d.text
        if d.date:
            date.fromisoformat(d.date)
    one = parse_deadline(text, signed)
    if one and one.date:
        date.fromisoformat(one.date)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_parsers_are_total_on_any_text(text: str) -> None:
    find_deadlines(text, "2020-01-01")
    parse_deadline(text, "2020-01-01")
