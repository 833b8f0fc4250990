"""Head and foot of a document: 文种, signature, recipients, 附注, dates; cases from the samples."""

from __future__ import annotations

import pytest

from gongbao.extract.dates import cn_small_number, find_dates, month_day_in_year, parse_date
from gongbao.extract.metadata import doc_type_of, find_public_notice, find_recipients, find_signature
from gongbao.segment.lines import Lines


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("朔州市人民政府关于积极有效利用外资推动经济高质量发展的实施意见", "意见"),
        ("朔州市人民政府办公室关于规范互联网租赁自行车(共享单车)发展的实施意见(试行)", "意见"),
        ("朔州市人民政府办公室关于对被征地农民实行基本养老保险补贴的实施办法", "办法"),
        ("朔州市人民政府办公室关于同意建立朔州市野生动植物保护联席会议制度的函", "函"),
        ("阳泉市人民政府关于周培源等四人正式任职的通知", "通知"),
        ("某某市人民政府令", "令"),
        ("国务院关于修改部分行政法规的决定", "决定"),
        ("关于某事的请示", "请示"),
        ("没有文种的一句话", None),
    ],
)
def test_doc_type(title, kind):
    assert doc_type_of(title) == kind


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("朔州市人民政府 2020年8月13日", "2020-08-13"),
        ("朔州市人民政府 2020 年 8 月 20 日", "2020-08-20"),  # shuozhou-2020-03 L158
        ("二〇二一年七月三十一日", "2021-07-31"),
        ("二○二○年十二月一日", "2020-12-01"),
        ("2020年2月30日", None),  # not a calendar date
        ("年 月 日", None),  # blank form, yangquan-2020-04 L939
    ],
)
def test_parse_date(text, iso):
    assert parse_date(text) == iso


def test_dates_helpers():
    assert cn_small_number("三十二") == 32
    assert cn_small_number("一百零五") == 105
    assert cn_small_number("十") == 10
    assert month_day_in_year("本意见自9月20日起施行", 2020) == "2020-09-20"  # shuozhou-2020-03 L1371
    assert [d.iso for d in find_dates("(2020年9月5日-11月30日)")] == ["2020-09-05"]


def _lines(*rows: str) -> Lines:
    return Lines.from_text("\n".join(rows))


def test_signature_on_one_line_with_quote_mark():
    # shuozhou-2020-03 L564: a markdown quote mark before the signature
    lines = _lines("正文。", "", "> 朔州市人民政府办公室 2020年8月24日", "", "(此件公开发布)")
    sig = find_signature(lines, 1, 5)
    assert (sig.issuer, sig.date, sig.line) == ("朔州市人民政府办公室", "2020-08-24", 3)


def test_signature_on_two_lines_and_joint_issuers():
    lines = _lines("正文。", "", "忻州市人民政府    忻州市军分区", "", "2022年3月20日")
    sig = find_signature(lines, 1, 5)
    assert sig.issuer == ["忻州市人民政府", "忻州市军分区"]
    assert sig.date == "2022-03-20"


def test_date_in_prose_is_not_a_signature():
    lines = _lines("经市人民政府2020年7月22日常务会议决定，任命：", "周培源为阳泉市政府办公室副主任。")
    assert find_signature(lines, 1, 2) is None


def test_recipients_sharing_a_line_with_the_body():
    # shuozhou-2020-03 L452
    lines = _lines("朔政办发〔2020〕29号", "", "各县(市、区)人民政府,朔州经济开发区管委会, 市直各有关部门: 为进一步做好被征地农民社会保障工作,切实")
    assert find_recipients(lines, 1, 3) == ("各县(市、区)人民政府,朔州经济开发区管委会,市直各有关部门", 3)


def test_recipients_over_two_lines():
    lines = _lines("文号", "各县（市、区）人民政府，朔州经济开发区管委会，", "市直各有关单位：", "正文。")
    assert find_recipients(lines, 1, 4)[0] == "各县（市、区）人民政府，朔州经济开发区管委会，市直各有关单位"


def test_no_recipients_when_first_line_is_prose():
    lines = _lines("文号", "为进一步做好工作，现通知如下：要求如下。")
    assert find_recipients(lines, 1, 2) == (None, None)


@pytest.mark.parametrize(
    ("line", "notice"),
    [("(此件公开发布)", "此件公开发布"), ("（此件公开发布）", "此件公开发布"),
     ("李宏的阳泉市应急管理局副局长职务。（此件公开发布）", "此件公开发布"),  # yangquan-2020-04 L1518
     ("（此件主动公开）", "此件主动公开"), ("（此 件 公 开 发 布）", "此件公开发布")],
)
def test_public_notice(line, notice):
    assert find_public_notice(_lines(line), 1, 1)[0] == notice
