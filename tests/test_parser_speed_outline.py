"""build_outline finds the previous sibling of a kind in a map, not by walking the siblings back;
the tree and the warnings are the same.

``ref_build_outline`` is ``build_outline`` at ``git show 6c6fdc4:src/gongbao/extract/outline.py``,
verbatim.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SAMPLES
from gongbao.extract import outline as O
from gongbao.models import Heading, Paragraph, ParseWarning
from gongbao.parse import parse_issue


def ref_build_outline(paragraphs: list[Paragraph]) -> tuple[list[Heading], list[ParseWarning]]:
    roots: list[Heading] = []
    stack: list[tuple[str, Heading]] = []
    order: list[str] = []
    checker = O._Checker()
    attachment_item = 0
    for para in paragraphs:
        text = para.text
        if not text or "\t" in text:
            continue
        listed = O._ATTACHMENT_LIST.match(text)
        if listed:
            attachment_item = int(listed.group(1))
            continue
        marker = O.match_marker(text)
        if attachment_item and marker is not None and marker.kind == "arabic" and marker.number == attachment_item + 1:
            attachment_item += 1
            continue
        attachment_item = 0
        if marker is None:
            if O._is_title(text):
                stack.clear()
                order.clear()
                checker.reset()
            continue
        key = marker.key
        if key not in order:
            O._insert_rank(order, key)
        rank = order.index(key)
        while stack and order.index(stack[-1][0]) >= rank:
            stack.pop()
        siblings = stack[-1][1].children if stack else roots
        prev_sibling = next((h for h in reversed(siblings) if O._key_of(h) == key), None)
        heading = Heading(
            kind=marker.kind,
            level=len(stack) + 1,
            number=marker.number,
            label=marker.label,
            text=O._heading_text(text[marker.end:]),
            line=para.start_line,
        )
        checker.check(heading, key, prev_sibling)
        siblings.append(heading)
        stack.append((key, heading))
    return roots, checker.warnings


def test_every_sample_document() -> None:
    for path in sorted(SAMPLES.glob("*.txt")):
        for doc in parse_issue(path.read_text("utf-8")).documents:
            assert O.build_outline(doc.body) == ref_build_outline(doc.body)


MARKERS = (
    "第一章 |第二章 |第三章 |第一节 |第二节 |第一条 |第二条 |第三条 |第五条 |第一编 |第一部分 |"
    "一、|二、|三、|五、|（一）|（二）|（三）|(四)|（1）|（2）|（5）|1.|2.|3.|7.|1、|①|②|④|1.1 |1.2 |2.1 |1.1.1 |1.1.2 |"
    "1 |2 |附件1|附件：1.|附件2|"
).split("|")
TEXTS = ("总则", "实施方案", "为了规范管理，制定本办法。", "工作要求：", "市发改委负责。", "", "关于印发的通知", "（试行）")
paragraph_lists = st.lists(st.tuples(st.sampled_from(MARKERS), st.sampled_from(TEXTS)), max_size=40).map(
    lambda items: [Paragraph(m + t, n, n) for n, (m, t) in enumerate(items, 1)]
)


@settings(max_examples=2000, deadline=None)
@given(paragraph_lists)
def test_random_outlines(paragraphs: list[Paragraph]) -> None:
    assert O.build_outline(paragraphs) == ref_build_outline(paragraphs)
