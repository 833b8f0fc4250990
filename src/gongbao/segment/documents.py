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
SECTION_LINE = re.compile(r"^[【\[［〖](?P<name>[^】\]］〗]{2,20})[】\]］〗]$")
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
    title_start: int | None = None  # first title line when it is not start_line (文号 printed above)
    registration_number: str | None = None

    @property
    def title_first(self) -> int:
        return self.title_start or self.start_line

    @property
    def head_end(self) -> int:
        """Last line of the head (title and 文号): the 主送 line follows it."""
        return max(self.title_end, self.doc_number_line or 0)


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
    if SECTION_LINE.match(c):
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


REGISTRATION_RE = re.compile(
    r"^(?:[\u4e00-\u9fff]{0,12}(?:登记号|统一编号|备案号|编号)[:：]?)?"
    r"(?P<no>[A-Z]{2,8}(?:[-—–－―][A-Za-z0-9]{1,12}){2,3})$"
)


def registration_above(lines: Lines, anchor: int, floor: int) -> int | None:
    """Line of a normative document's 统一编号 (e.g. DTGS—2023—003) printed just above its 文号."""
    p = lines.prev_nonblank(anchor, floor)
    return p if p is not None and REGISTRATION_RE.match(lines.c(p)) else None


def title_lines_before(lines: Lines, anchor: int, floor: int) -> tuple[int, int] | None:
    """The (first, last) title lines that stand above the 文号 line ``anchor`` (skipping a
    registration-number line between them)."""
    anchor = registration_above(lines, anchor, floor) or anchor
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
        if not _is_title_like(pc) or SECTION_LINE.match(pc) or find_doc_numbers(pc) or len(pc) > 60:
            break
        if text.startswith("关于") and not _ORG_END.search(pc):
            break
        first, text = prev, pc + text
    return first, last


_ORDER_LINE = re.compile(r"^(?P<org>[\u4e00-\u9fff]{2,30}?令)(?P<no>第\d{1,4}号)?$")
_ORDER_NO = re.compile(r"^[（(]?第\d{1,4}号[)）]?$")


def _plausible_title(text: str) -> bool:
    return "关于" in text or bool(_TITLE_KIND_END.search(text))


def _title_below(lines: Lines, anchor: int) -> tuple[int, int] | None:
    """文号 printed above the title (the GB/T 9704 版头 order): the title lines that follow it."""
    first = lines.next_nonblank(anchor)
    if first is None or not _is_title_like(lines.c(first)):
        return None
    last, text = first, lines.c(first)
    if not _title_complete(text) or not _plausible_title(text):
        nxt = lines.next_nonblank(first)
        if nxt is None or nxt - first > 2 or not _is_title_like(lines.c(nxt)):
            return None
        last, text = nxt, text + lines.c(nxt)
    if not _plausible_title(text):
        return None
    after = lines.next_nonblank(last)
    if after is not None and _is_toc_followup(lines.c(after)):
        return None
    return first, last


def find_anchors(lines: Lines) -> list[DocSpan]:
    """Every document that opens with ``title / 文号`` (or ``文号 / title``, or a 令 heading) in the
    text, in order (ends not yet set)."""
    spans: list[DocSpan] = []
    floor = 1
    for n, c in enumerate(lines.compacted, 1):  # c == lines.c(n), without a call per line
        if "号" not in c and "令" not in c:
            continue  # both kinds of anchor below need one of them (a blank line has neither)
        if c.endswith("令") or "令第" in c:
            span = _order_anchor(lines, n)
            if span is not None:
                spans.append(span)
                floor = (span.doc_number_line or n) + 1
            continue
        if "号" not in c or not is_doc_number_line(c):  # every 文号 line holds 号: skip the regex
            continue
        nxt = lines.next_nonblank(n)
        if nxt is not None and _is_toc_followup(lines.c(nxt)):
            continue
        dn = find_doc_numbers(lines.raw[n - 1])
        title = title_lines_before(lines, n, floor)
        title_start = None
        if title is not None and _plausible_title("".join(lines.c(k) for k in range(title[0], title[1] + 1))):
            start, title_end = title
        else:
            below = _title_below(lines, n)
            if below is None:
                continue
            start, title_end = n, below[1]
            title_start = below[0]
        spans.append(
            DocSpan(
                start_line=start,
                title_end=title_end,
                doc_number_line=n,
                end_line=0,
                doc_number=dn[0].normalized if dn else None,
                doc_number_raw=dn[0].raw.strip() if dn else None,
                title_start=title_start,
                registration_number=_registration(lines, n, floor),
            )
        )
        floor = max(n, title_end) + 1
    return spans


def _registration(lines: Lines, anchor: int, floor: int) -> str | None:
    p = registration_above(lines, anchor, floor)
    return REGISTRATION_RE.match(lines.c(p)).group("no") if p is not None else None


def _order_anchor(lines: Lines, n: int) -> DocSpan | None:
    """A 令 (government order): ``<organ>令`` and ``第N号`` (same line or the next one)."""
    m = _ORDER_LINE.match(lines.c(n))
    if not m or not re.search(r"(政府|院|部|委员会|厅|局)令$", m.group("org")):
        return None
    number_line = n
    number = m.group("no")
    if number is None:
        nxt = lines.next_nonblank(n)
        if nxt is None or nxt - n > 2 or not _ORDER_NO.match(lines.c(nxt)):
            return None
        number_line, number = nxt, lines.c(nxt).strip("（()）")
    prev = lines.prev_nonblank(n)
    if prev is not None and prev >= n - 2 and find_doc_numbers(lines.c(prev)):
        return None
    return DocSpan(start_line=n, title_end=number_line, doc_number_line=number_line, end_line=0,
                   doc_number=f"{m.group('org')}{number}", doc_number_raw=f"{m.group('org')}{number}")


def extend_titles_from_toc(lines: Lines, spans: list[DocSpan], toc_titles: dict[str, str]) -> None:
    """Where the 目录 shows that a title starts earlier (a wrapped first line was missed), move the
    document's start up to the line where the 目录 title begins."""
    prev_end = 0
    for span in spans:
        want = soft_key(toc_titles.get(span.doc_number or "", ""))
        have = soft_key("".join(lines.c(k) for k in range(span.start_line, span.title_end + 1)))
        if want and have and want != have and want.endswith(have) and span.start_line < (span.doc_number_line or 0):
            first, acc = span.start_line, have
            for _ in range(3):
                p = lines.prev_nonblank(first, prev_end + 1)
                if p is None or not _is_title_like(lines.c(p)):
                    break
                acc = soft_key(lines.c(p)) + acc
                if not want.endswith(acc):
                    break
                first = p
                if acc == want:
                    span.start_line = first
                    break
        prev_end = span.doc_number_line or span.title_end


def find_title_line(lines: Lines, title: str, lo: int, hi: int) -> tuple[int, int] | None:
    """Find ``title`` printed on one line or over up to three consecutive non-blank lines."""
    key = soft_key(title)
    if len(key) < 6:
        return None
    for n in lines.lines_starting(key[:4], lo, min(hi, len(lines))):
        acc, m = lines.soft(n), n
        for _ in range(3):
            if acc == key:
                return n, m
            if not key.startswith(acc):
                break
            nxt = lines.next_nonblank(m, hi)
            if nxt is None:
                break
            acc += lines.soft(nxt)
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
