"""Split the body of an issue into documents.

A 公文 opens with its title (one or more lines, often ``<issuer>`` then ``关于…``), then the 文号 on
a line of its own, then the 主送 line. The 文号 line is the anchor: it is unambiguous in a way a
title line is not (enclosed plans also start with the issuer's name). Documents printed without a
文号 are found through their 目录 entry instead. A document runs until the line before the next
document's title, or before the back matter (简介, address, phone) for the last one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gongbao.extract.doc_number import find_doc_numbers, is_doc_number_line
from gongbao.segment.lines import Lines, soft_key

# Sentence-level punctuation that a title line never ends with.
_SENTENCE_END = tuple("。；;：:，,！？!?")
_TITLE_KIND_END = re.compile(
    r"(通知|通报|意见|决定|批复|函|命令|令|公告|通告|报告|请示|议案|纪要|决议|公报|办法|规定|方案|细则|规则|"
    r"规划|计划|要点|安排|制度|条例|意见\(试行\)|意见（试行）|办法\(试行\)|办法（试行）)[）)]?$"
)
_ORG_END = re.compile(r"(人民政府|政府|办公室|办公厅|委员会|委|局|厅|部|院|办|会|署|中心|公司|集团|银行|小组|指挥部)$")
_SECTION_LINE = re.compile(r"^[【\[［〖].{2,20}[】\]］〗]$")
_PUBLIC_NOTICE = re.compile(r"^[（(]此件.{1,10}[)）]$")
_DATE_ONLY = re.compile(r"^(?:19|20)\d{2}年\d{1,2}月\d{1,2}日$")
_BACK_MATTER = re.compile(
    r"(公报|政报)》?(简介|征订|说明)$|^(地址|通讯地址|联系电话|电话|邮编|邮政编码|传真|网址|电子邮箱|准印证号|印刷|承印)[:：]"
)


@dataclass(slots=True)
class DocSpan:
    """Where one document sits in the source (1-based, inclusive)."""

    start_line: int  # first title line
    title_end: int  # last title line
    doc_number_line: int | None
    end_line: int
    doc_number: str | None = None
    doc_number_raw: str | None = None


def _is_title_like(c: str) -> bool:
    return (
        bool(c)
        and len(c) <= 120
        and not c.endswith(_SENTENCE_END)
        and "。" not in c
        and not _PUBLIC_NOTICE.match(c)
        and not _DATE_ONLY.match(c)
    )


def _is_toc_followup(c: str) -> bool:
    """A 文号 line in the 目录 is followed by another entry's title or a 栏目 header."""
    if _SECTION_LINE.match(c):
        return True
    if find_doc_numbers(c) and not c.endswith(_SENTENCE_END):
        return True
    return "关于" in c and _is_title_like(c) and not c.endswith(("：", ":"))


_ORG_WORD = re.compile(r"人民政府|政府|办公室|办公厅|委员会|局|厅|部|院|办|署|中心|公司|银行")


def _title_complete(text: str) -> bool:
    """Does this (partial) title already begin with its issuer?"""
    if "关于" in text:
        return not text.startswith("关于")
    return bool(_ORG_WORD.search(text[:25])) and not text.startswith(("的", "和", "及", "与"))


def title_lines_before(lines: Lines, anchor: int, floor: int) -> tuple[int, int] | None:
    """The (first, last) title lines that stand above the 文号 line ``anchor``."""
    last = lines.prev_nonblank(anchor, floor)
    if last is None or not _is_title_like(lines.c(last)):
        return None
    first, text = last, lines.c(last)
    for _ in range(3):
        if _title_complete(text):
            break
        prev = lines.prev_nonblank(first, floor)
        if prev is None:
            break
        pc = lines.c(prev)
        if not _is_title_like(pc) or _SECTION_LINE.match(pc) or find_doc_numbers(pc) or len(pc) > 60:
            break
        if text.startswith("关于") and not _ORG_END.search(pc):
            break
        first, text = prev, pc + text
    return first, last


def find_anchors(lines: Lines) -> list[DocSpan]:
    """Every document that opens with ``title / 文号`` in the text, in order (ends not yet set)."""
    spans: list[DocSpan] = []
    floor = 1
    for n in range(1, len(lines) + 1):
        c = lines.c(n)
        if not c or not is_doc_number_line(c):
            continue
        nxt = lines.next_nonblank(n)
        if nxt is not None and _is_toc_followup(lines.c(nxt)):
            continue
        title = title_lines_before(lines, n, floor)
        if title is None:
            continue
        dn = find_doc_numbers(lines.raw[n - 1])
        spans.append(
            DocSpan(
                start_line=title[0],
                title_end=title[1],
                doc_number_line=n,
                end_line=0,
                doc_number=dn[0].normalized if dn else None,
                doc_number_raw=dn[0].raw.strip() if dn else None,
            )
        )
        floor = n + 1
    return spans


def find_title_line(lines: Lines, title: str, lo: int, hi: int) -> tuple[int, int] | None:
    """Find ``title`` printed on one line or over up to three consecutive non-blank lines."""
    key = soft_key(title)
    if len(key) < 6:
        return None
    for n in range(lo, min(hi, len(lines)) + 1):
        c = lines.c(n)
        if not c or soft_key(c)[:4] != key[:4]:
            continue
        acc, m = soft_key(c), n
        for _ in range(3):
            if acc == key:
                return n, m
            if not key.startswith(acc):
                break
            nxt = lines.next_nonblank(m, hi)
            if nxt is None:
                break
            acc += soft_key(lines.c(nxt))
            m = nxt
        if acc == key:
            return n, m
    return None


def set_ends(lines: Lines, spans: list[DocSpan]) -> None:
    """Each document ends before the next one's title; the last before any back matter."""
    spans.sort(key=lambda s: s.start_line)
    for cur, nxt in zip(spans, spans[1:], strict=False):
        cur.end_line = nxt.start_line - 1
    if spans:
        last = spans[-1]
        end = len(lines)
        begin = (last.doc_number_line or last.title_end) + 1
        for n in range(begin, len(lines) + 1):
            c = lines.c(n)
            if c and _BACK_MATTER.search(c):
                end = n - 1
                break
        while end > begin and not lines.c(end):
            end -= 1
        last.end_line = end
