"""References from a document to others: 文号 (cites), 令/公告 numbers and standards (cites_other),
and the 《title》 printed with a cited 文号."""

from __future__ import annotations

import re

from gongbao.extract.doc_number import (
    CLOSE_BRACKETS,
    OPEN_BRACKETS,
    brackets_balanced,
    enclosing_brackets_balanced,
    find_doc_numbers,
)
from gongbao.models import Citation, Document, ParseWarning
from gongbao.segment.lines import Lines

_ORDER_RE = re.compile(
    r"(?P<org>(?:\d{4}年\d{1,2}月\d{1,2}日)?[\u4e00-\u9fff、]{2,24}?(?:令|公告))"
    r"(?P<year>\d{4}年)?第0*(?P<n>\d{1,5})号"
)
_STANDARD_RE = re.compile(
    r"(?<![A-Za-z])(?P<std>(?:GB|DB|JGJ|JTG|JT|HJ|CJJ|CJ|DL|NB|SL|TB|YY|WS|GA|QB|JB|CECS|DBJ)(?:/T|/Z)?"
    r"\d+(?:[./]\d+)*(?:[-—–]\d{4})?)(?![A-Za-z])"
)
_ORDER_NOISE = re.compile(r"^.*?(?:根据|依据|按照|依照|参照|执行|落实|贯彻|实施|发布|颁布|公布|通过|的|和|及|与|或|以|《|》|（|\()")
_TITLE_BEFORE = re.compile(r"《(?P<t>[^《》]{2,80})》\s*[（(]?\s*$")
_SPACE = re.compile(r"[ \t\u3000]+")
_UPPER = re.compile(r"[A-Z]{2}")
_CITE_CHARS = re.compile(r"[号A-Z]")
# The bracketed year every match of DOC_NUMBER_RE holds (its year group between an opening and a
# closing bracket, copied from the pattern): DOC_NUMBER_RE opens with a run of ideographs and is
# tried at every one of them, while this pattern opens with a bracket class and skips in C.
_YEAR_IN_BRACKETS = re.compile(
    rf"[{re.escape(OPEN_BRACKETS)}]\s*(?:(?:19|20)\s*\d\s*\d|[１２][０-９]{{3}})\s*[{re.escape(CLOSE_BRACKETS)}]"
)


def find_orders(text: str) -> list[str]:
    """令-style and 公告 numbers, normalized without spaces (e.g. 交通运输部令2016年第64号)."""
    out: list[str] = []
    if "号" not in text or ("令" not in text and "公告" not in text):
        return out
    compact = _SPACE.sub("", text)
    for m in _ORDER_RE.finditer(compact):
        org = m.group("org")
        if not re.search(r"\d{4}年\d{1,2}月\d{1,2}日", org):
            org = _ORDER_NOISE.sub("", org) if _ORDER_NOISE.match(org) else org
        if len(org) < 2 or org in ("令", "公告"):
            continue
        out.append(f"{org}{m.group('year') or ''}第{m.group('n')}号")
    return out


def find_standards(text: str) -> list[str]:
    """Standard numbers such as GB50016-2014, JT/T905-2014, DB14/1928-2019."""
    if not _UPPER.search(text):
        return []
    return [m.group("std").replace("—", "-").replace("–", "-") for m in _STANDARD_RE.finditer(_SPACE.sub("", text))]


def fill(doc: Document, lines: Lines) -> None:
    """Set ``doc.cites``, ``doc.cites_other`` and ``doc.citations`` from the document's lines."""
    cites: set[str] = set()
    others: list[str] = []
    citations: list[Citation] = []
    # Every extractor below finds nothing without 号 (文号, 令/公告 numbers) or two capitals
    # (standards): one C-level search over the document finds the lines holding 号 or a capital
    # (a character class: the alternation 号|[A-Z]{2} was tried at every position, 3x slower).
    for n in lines.lines_matching(_CITE_CHARS, doc.start_line, doc.end_line):
        raw = lines.raw[n - 1]
        if "号" not in raw and _UPPER.search(raw) is None:
            continue
        if not raw.strip():
            continue
        if n != doc.doc_number_line and _YEAR_IN_BRACKETS.search(raw) is not None:
            for span in find_doc_numbers(raw):
                if span.normalized == doc.doc_number:
                    continue
                tm = _TITLE_BEFORE.search(raw[: span.start])
                title = tm.group("t") if tm else None
                cites.add(span.normalized)
                citations.append(Citation(span.normalized, title, span.raw, n, "doc_number"))
                if not (brackets_balanced(span.raw) and enclosing_brackets_balanced(raw, span)):
                    doc.warnings.append(ParseWarning(
                        "unbalanced_brackets", f"引用文号括号不配对：{raw[max(0, span.start - 1):span.end + 1]}", n))
        for ref in find_orders(raw):
            if ref not in others:
                others.append(ref)
                citations.append(Citation(None, None, ref, n, "order"))
        for std in find_standards(raw):
            if std not in others:
                others.append(std)
                citations.append(Citation(None, None, std, n, "standard"))
    doc.cites = sorted(cites)
    doc.cites_other = others
    doc.citations = citations
