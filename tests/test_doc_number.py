"""文号 finding and normalization: real printed forms from the samples, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongbao.extract.doc_number import (
    brackets_balanced,
    find_doc_numbers,
    is_doc_number_line,
    normalize_doc_number,
)

CASES = [
    # (printed, normalized)  -- source: sample and line
    ("朔政发〔2020〕26号", "朔政发〔2020〕26号"),  # shuozhou-2020-03 L61
    ("朔政办发[2020]36号", "朔政办发〔2020〕36号"),  # shuozhou-2020-03 L50 (TOC)
    ("朔政办发 [2020] 36 号", "朔政办发〔2020〕36号"),  # CONVENTIONS.md example
    ("国发〔2018〕 19号〕", "国发〔2018〕19号"),  # shuozhou-2020-03 L65, wrong closer
    ("晋人社厅发(2019)41号", "晋人社厅发〔2019〕41号"),  # shuozhou-2020-03 L518
    ("交运发(2017)109号", "交运发〔2017〕109号"),  # shuozhou-2020-03 L1295
    ("朔政办发〔2015〕 64号", "朔政办发〔2015〕64号"),  # shuozhou-2020-03 L1109
    ("阳政办发〔2020〕73 号", "阳政办发〔2020〕73号"),  # yangquan-2020-04 L1731
    ("阳政任字〔2020〕16 号", "阳政任字〔2020〕16号"),  # yangquan-2020-04 L37 (TOC)
    ("职改字〔1986〕第111号", "职改字〔1986〕第111号"),  # shuozhou-2021-04, 第 kept as printed
    ("国办发（２０１９）１５号", "国办发〔2019〕15号"),  # full-width digits and brackets
    ("晋政办发【2020】24号", "晋政办发〔2020〕24号"),
    ("晋环土壤〔2020〕33号", "晋环土壤〔2020〕33号"),
]


@pytest.mark.parametrize(("printed", "normalized"), CASES)
def test_normalize(printed, normalized):
    assert normalize_doc_number(printed) == normalized


@pytest.mark.parametrize(("printed", "normalized"), CASES)
def test_find_in_running_text(printed, normalized):
    text = f"根据《关于某事的通知》（{printed}）精神，现就有关事项通知如下。"
    found = find_doc_numbers(text)
    assert [f.normalized for f in found] == [normalized]
    assert text[found[0].start:found[0].end].startswith(printed.split("[")[0].split("(")[0][:2])


def test_several_numbers_and_prefix_noise():
    text = "为深入贯彻《国务院关于…的通知》(国发〔2018〕 19号〕和《山西省人民政府关于…的实施意见》(晋政发〔2019〕 23号〕精神"
    assert [f.normalized for f in find_doc_numbers(text)] == ["国发〔2018〕19号", "晋政发〔2019〕23号"]


def test_template_placeholders_are_not_numbers():
    # yangquan-2020-04 L1200 prints a blank form: XX〔〕XX号
    assert find_doc_numbers("XX〔〕XX号") == []
    assert find_doc_numbers("(2020年9月1日—9月5日)") == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [("朔政发〔2020〕26号", True), ("（晋政发〔2020〕1号）", True), ("阳政办发〔2020〕73 号", True),
     ("朔政发〔2020〕26号1", False), ("各县(市、区)人民政府：", False), ("2020年8月13日", False)],
)
def test_is_doc_number_line(line, expected):
    assert is_doc_number_line(line) is expected


def test_brackets_balanced():
    assert brackets_balanced("朔政发〔2020〕26号")
    assert brackets_balanced("国办发(2019)15号")
    assert not brackets_balanced("国发〔2018) 19号")
    assert not brackets_balanced("晋政办发(2020〕3号")


_OPEN = "〔[(（【［"
_CLOSE = "〕])）】］"
_prefixes = st.text(alphabet="朔阳晋国政办发函任字环土壤人社厅", min_size=1, max_size=6)
_spaces = st.text(alphabet=" ", max_size=2)


@given(_prefixes, st.integers(1990, 2099), st.integers(1, 9999), st.sampled_from(_OPEN), st.sampled_from(_CLOSE),
       _spaces, _spaces, st.booleans())
def test_variants_fold_to_one_form(prefix, year, serial, open_b, close_b, s1, s2, full_width):
    digits = str(year) + s1 + "|" + str(serial)
    if full_width:
        digits = digits.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    y, n = digits.split("|")
    printed = f"{prefix}{s2}{open_b}{y}{close_b}{s1}{n}{s2}号"
    canonical = f"{prefix}〔{year}〕{serial}号"
    assert normalize_doc_number(printed) == canonical
    assert normalize_doc_number(normalize_doc_number(printed)) == normalize_doc_number(printed)


@given(st.text(max_size=200))
def test_normalize_is_idempotent_and_total(text):
    once = normalize_doc_number(text)
    assert normalize_doc_number(once) == once
    find_doc_numbers(text)  # never raises


@pytest.mark.parametrize(
    ("text", "balanced"),
    [("(国发〔2018〕 19号〕和", False),  # shuozhou-2020-03 L65
     ("（晋政办发〔2020〕24号）", True), ("(交运发(2017)109号)", True),
     ("（朔政发〔2017〕45号，朔政发〔2018〕3号）", True), ("根据国发〔2018〕19号精神", True)],
)
def test_enclosing_brackets(text, balanced):
    from gongbao.extract.doc_number import enclosing_brackets_balanced

    span = find_doc_numbers(text)[0]
    assert enclosing_brackets_balanced(text, span) is balanced
