"""Layouts that the three samples do not show, in a crafted issue (tests/data/variants/): no 朔州/阳泉,
文号 printed above the title and in parentheses, a 令 signed by the mayor, joint issuers, 栏目
headers in the body, Chinese-numeral dates, ASCII brackets in the 目录."""

from __future__ import annotations

from pathlib import Path

import pytest

from gongbao import parse_issue

VARIANT = Path(__file__).parent / "data" / "variants" / "xinzhou-like.txt"


@pytest.fixture(scope="module")
def issue():
    return parse_issue(VARIANT.read_text(encoding="utf-8"))


def test_masthead(issue):
    g = issue.gazette
    assert (g.name, g.city, g.year, g.issue, g.total_issue, g.published, g.frequency) == (
        "忻州市人民政府公报", "忻州市", 2022, 2, 30, "2022-04-30", "月刊")


def test_toc_sections_and_order_numbers(issue):
    assert [t.section for t in issue.toc] == ["市政府令", "市政府文件", "市政府文件", "人事任免"]
    assert issue.toc[0].title == "忻州市城市绿化管理办法"
    assert issue.toc[0].doc_number == "市政府令第3号"
    assert [t.page for t in issue.toc] == [1, 4, 6, 8]


def test_every_document_found_once(issue):
    assert [d.doc_number for d in issue.documents] == [
        "忻州市人民政府令第3号", "忻政发〔2022〕5号", "忻政发〔2022〕7号", "忻政任〔2022〕3号"]
    assert not issue.warnings


def test_order(issue):
    order = issue.documents[0]
    assert order.title == "忻州市城市绿化管理办法"
    assert (order.doc_type, order.issuer, order.signed_date) == ("令", "忻州市人民政府", "2022-03-10")
    assert order.effective_date == "2022-05-01"
    assert order.repeals == ["忻政发〔2015〕12号"]
    assert order.section == "市政府令"


def test_number_above_title(issue):
    doc = issue.documents[1]
    assert doc.title == "忻州市人民政府关于加强春季森林防火工作的通知"
    assert doc.recipients == "各县（市、区）人民政府，市直各有关单位"
    assert doc.signed_date == "2022-03-15"  # 二〇二二年三月十五日
    assert doc.public_notice == "此件主动公开"
    assert doc.cites == ["晋政办发〔2022〕8号"]
    assert doc.end_line < issue.documents[2].start_line


def test_joint_issuers_and_validity(issue):
    doc = issue.documents[2]
    assert doc.issuer == ["忻州市人民政府", "忻州市军分区"]
    assert doc.validity_years == 2


def test_personnel(issue):
    doc = issue.documents[3]
    assert doc.section == "人事任免"
    assert [(p.person, p.action, p.position) for p in doc.personnel] == [
        ("王小明", "任命", "忻州市发展和改革委员会副主任"), ("李四", "免去", "忻州市商务局副局长")]


def test_section_header_is_not_part_of_previous_document(issue):
    lines = VARIANT.read_text(encoding="utf-8").split("\n")
    for doc in issue.documents:
        assert not any(line.startswith("【") for line in lines[doc.start_line - 1: doc.end_line])


DEPARTMENT = Path(__file__).parent / "data" / "variants" / "department-docs.txt"


@pytest.fixture(scope="module")
def department_issue():
    return parse_issue(DEPARTMENT.read_text(encoding="utf-8"))


def test_chinese_numeral_masthead_and_editor(department_issue):
    g = department_issue.gazette
    assert (g.city, g.year, g.issue, g.total_issue, g.published, g.editor_org) == (
        "大同市", 2023, 5, 81, "2023-10-15", "大同市人民政府办公室")


def test_marked_sections_and_leaders_in_toc(department_issue):
    assert [(t.section, t.page) for t in department_issue.toc] == [
        ("市政府部门规范性文件", 1), ("市政府部门规范性文件", 9), ("公告公示", 15)]


def test_registration_number_is_not_part_of_the_title(department_issue):
    first, second, notice = department_issue.documents
    assert first.title == "大同市财政局关于印发大同市市级财政专项资金管理办法的通知"
    assert (first.registration_number, second.registration_number) == ("DTGS—2023—003", "DTBG—2023—011")
    assert first.public_notice == "公开方式：主动公开"
    assert second.public_notice == "此件依申请公开"
    assert first.effective_date == "2023-10-01" and first.validity_years == 5
    assert first.repeals == ["同财发〔2018〕3号"]
    assert first.enclosures == ["大同市市级财政专项资金管理办法"]
    assert notice.doc_type == "公告" and notice.recipients is None
    assert not notice.warnings and not department_issue.warnings
