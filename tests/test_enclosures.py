"""Attachment lists and labels: the lines they can start on."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gongbao.extract.enclosures import _lines_starting_with_fujian, attachment_headings, attachment_notes
from gongbao.segment.lines import Lines

_LINE = st.lists(st.sampled_from(["附", "件", "附件", "1", "：", " ", "# ", "通知", "。", "\t"]), max_size=6).map("".join)


@settings(max_examples=1500, deadline=None)
@given(st.lists(_LINE, max_size=12), st.integers(1, 14), st.integers(0, 14))
def test_candidate_lines_are_exactly_the_lines_starting_with_fujian(raw: list[str], start: int, end: int) -> None:
    # The fast scan (one substring test over the joined span, then a list comprehension) must
    # return what visiting every line through Lines.c would, also for spans past the text.
    lines = Lines.from_text("\n".join(raw))
    expected = [n for n in range(start, end + 1) if lines.c(n).startswith("附件")]
    assert _lines_starting_with_fujian(lines, start, end) == expected


def test_notes_and_headings_read_from_the_candidate_lines() -> None:
    text = "\n".join([
        "正文。", "", "附件：1.甲实施方案", "2.乙管理办法", "", "附件1", "", "甲实施方案", "", "附件2", "",
        "乙管理办法", "", "内容。",
    ])
    lines = Lines.from_text(text)
    notes = attachment_notes(lines, 1, len(lines))
    assert [(n.number, n.text, n.line) for n in notes] == [(1, "甲实施方案", 3), (2, "乙管理办法", 4)]
    headings = attachment_headings(lines, 1, len(lines))
    assert [(h.number, h.text, h.line) for h in headings] == [(1, "甲实施方案", 8), (2, "乙管理办法", 12)]
    # a span without 附件 finds nothing
    assert attachment_notes(lines, 13, 14) == [] and attachment_headings(lines, 13, 14) == []
