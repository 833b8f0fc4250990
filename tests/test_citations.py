"""Citations of one document: 文号, 令/公告 numbers and standards, each with its line."""

from __future__ import annotations

from gongbao.extract import citations, validity
from gongbao.models import Document
from gongbao.segment.lines import Lines


def _doc(text: str) -> tuple[Document, Lines]:
    lines = Lines.from_text(text)
    return Document(title="测试", start_line=1, end_line=len(lines)), lines


def test_lines_without_hao_or_capitals_cite_nothing_and_the_others_are_all_read() -> None:
    doc, lines = _doc("\n".join([
        "根据《关于加强管理的通知》（晋政办发〔2019〕 12号）精神，",  # 文号 with its title
        "执行GB50016-2014和JT/T 905—2014标准。",  # standards: no 号 on the line
        "依据交通运输部令2016年第64号办理。",  # an order
        "本办法自2021年1月1日起施行，有效期5年。",  # neither: skipped by citations, read by validity
        "原《旧办法》（朔政发〔2015〕3号）同时废止。",
    ]))
    citations.fill(doc, lines)
    assert doc.cites == ["晋政办发〔2019〕12号", "朔政发〔2015〕3号"]
    assert doc.cites_other == ["GB50016-2014", "JT/T905-2014", "交通运输部令2016年第64号"]
    assert [(c.kind, c.line) for c in doc.citations] == [
        ("doc_number", 1), ("standard", 2), ("standard", 2), ("order", 3), ("doc_number", 5)]
    assert doc.citations[0].title == "关于加强管理的通知"
    validity.fill(doc, lines)
    assert (doc.effective_date, doc.validity_years, doc.repeals) == ("2021-01-01", 5.0, ["朔政发〔2015〕3号"])
