"""Validity status as of a date (analysis/status.py), on the sample documents and crafted ones."""

from __future__ import annotations

from datetime import date

import pytest

import gongbao
from gongbao.analysis.status import (
    STATUSES,
    expiring_within,
    relative_effective,
    validity_status,
)
from gongbao.models import Document


@pytest.fixture(scope="module")
def parsed(sample_texts: dict[str, str]) -> dict[str, tuple[dict[str, Document], list[str]]]:
    out = {}
    for name, text in sample_texts.items():
        issue = gongbao.parse_issue(text)
        out[name] = ({d.doc_number: d for d in issue.documents if d.doc_number}, text.split("\n"))
    return out


def test_relative_clause_thirty_days_after_publication(parsed) -> None:
    # shuozhou-2020-03 L1057: 本文件自公布之日起30日后实行,有效期为5年。 signed 2020-08-17
    docs, lines = parsed["shuozhou-2020-03"]
    doc = docs["朔政办发〔2020〕32号"]
    before = validity_status(doc, date(2020, 9, 1), lines)
    assert before.status == "尚未生效"
    assert before.effective == date(2020, 9, 16)
    assert before.line == 1057 and "30日后" in before.basis
    during = validity_status(doc, date(2024, 1, 1), lines)
    assert (during.status, during.expires) == ("现行有效", date(2025, 9, 15))
    after = validity_status(doc, date(2025, 9, 16), lines)
    assert after.status == "已失效"


def test_printed_effective_date_and_validity_years(parsed) -> None:
    # shuozhou-2020-03 L1371: 本意见自9月20日起施行,有效期2年。
    docs, lines = parsed["shuozhou-2020-03"]
    doc = docs["朔政办发〔2020〕35号"]
    assert validity_status(doc, date(2020, 9, 19), lines).status == "尚未生效"
    ok = validity_status(doc, date(2022, 9, 19), lines)
    assert (ok.status, ok.effective, ok.expires, ok.line) == ("现行有效", date(2020, 9, 20), date(2022, 9, 19), 1371)
    assert validity_status(doc, date(2022, 9, 20), lines).status == "已失效"


def test_from_signing_date(parsed) -> None:
    # shuozhou-2020-03 L520: 本实施办法自印发之日起实施。 signed 2020-07-29
    docs, lines = parsed["shuozhou-2020-03"]
    doc = docs["朔政办发〔2020〕29号"]
    status = validity_status(doc, date(2030, 1, 1), lines)
    assert (status.status, status.effective, status.expires, status.line) == (
        "现行有效", date(2020, 7, 29), None, 520)
    assert validity_status(doc, date(2020, 7, 28), lines).status == "尚未生效"


def test_repealed_by_wins(parsed) -> None:
    docs, lines = parsed["yangquan-2020-04"]
    doc = docs["阳政办发〔2020〕79号"]
    status = validity_status(doc, date(2021, 1, 1), lines, repealed_by=["阳政办发〔2023〕1号"])
    assert status.status == "已废止" and "阳政办发〔2023〕1号" in status.basis


def test_no_clause_falls_back_to_signing_date_and_says_so() -> None:
    doc = Document(title="关于X的通知", start_line=1, end_line=3, signed_date="2021-04-03")
    status = validity_status(doc, date(2021, 5, 1))
    assert status.status == "现行有效" and status.effective == date(2021, 4, 3)
    assert "成文日期" in status.basis and status.line is None
    unknown = validity_status(Document(title="t", start_line=1, end_line=1), date(2021, 5, 1))
    assert unknown.status == "现行有效" and unknown.effective is None


@pytest.mark.parametrize(("clause", "expected"), [
    ("本办法自印发之日起施行。", date(2020, 8, 12)),
    ("本办法自公布之日起三十日后施行。", date(2020, 9, 11)),
    ("本规定自发布之日起3个月后施行。", date(2020, 11, 12)),
    ("本办法自2020年9月1日起施行。", None),
])
def test_relative_effective(clause: str, expected: date | None) -> None:
    assert relative_effective(clause, date(2020, 8, 12)) == expected


def test_expiring_within(parsed) -> None:
    docs, lines = parsed["shuozhou-2020-03"]
    found = expiring_within(docs.values(), date(2022, 8, 1), 90, lines)
    assert [(d.doc_number, s.expires) for d, s in found] == [("朔政办发〔2020〕35号", date(2022, 9, 19))]
    assert expiring_within(docs.values(), date(2022, 8, 1), 30, lines) == []
    for doc in docs.values():
        assert validity_status(doc, date(2022, 8, 1), lines).status in STATUSES


def test_fractional_years_and_valid_until() -> None:
    half = Document(title="t", start_line=1, end_line=1, effective_date="2020-01-01", validity_years=0.5)
    assert validity_status(half, date(2020, 6, 30)).status == "现行有效"
    assert validity_status(half, date(2020, 7, 2)).status == "已失效"
    until = Document(title="t", start_line=1, end_line=1, signed_date="2020-08-14", valid_until="2020-12-31")
    assert validity_status(until, date(2020, 12, 31)).status == "现行有效"
    assert validity_status(until, date(2021, 1, 1)).status == "已失效"
