"""The heading tree of a document body: 第X编/章/节/条, 一、, （一）, 1., （1）, ①, 1.1.

Markers are read at the start of cleaned paragraphs (see :mod:`gongbao.extract.body`). Levels are
not fixed: the tree is built with a stack of marker kinds ranked by first appearance, because
gazettes use （一） at the top as often as under 一、. Two orders are certain and always applied:
编 > 章 > 节 > 条 above every list marker, and 1 > 1.1 > 1.1.1 for decimal outlines. An enclosed
text (a paragraph that reads like a title: ``…实施方案``, ``附件2``) starts a fresh ranking.

Numbering is checked as a careful reader would: 第X条 must run on across chapters (or restart at
第一条 in a new text); list items may restart under each parent or run on across parents (both
are legal), and anything neither explains is reported.

>>> from gongbao.models import Paragraph
>>> paras = [Paragraph(t, n, n) for n, t in enumerate(
...     ["第一章 总则", "第一条 为了规范管理，制定本办法。", "第二条 本办法适用于全市。", "第二章 附则", "第四条 本办法自公布之日起施行。"], 1)]
>>> outline, warnings = build_outline(paras)
>>> [(h.label, h.text, [c.label for c in h.children]) for h in outline]
[('第一章', '总则', ['第一条', '第二条']), ('第二章', '附则', ['第四条'])]
>>> [(w.code, w.line) for w in warnings]
[('article_out_of_sequence', 5)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gongbao.models import Heading, Paragraph, ParseWarning

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUM = "零〇一二两三四五六七八九十百千"


def cn_number(text: str) -> int | None:
    """The value of a Chinese (or Arabic) numeral as used in ordinals; None for anything else.

    >>> [cn_number(s) for s in ["三十二", "十", "十五", "一百零五", "二百", "12", "二二", "第", ""]]
    [32, 10, 15, 105, 200, 12, None, None, None]
    """
    if not text:
        return None
    if text.isascii():
        return int(text) if text.isdigit() else None
    total = 0
    current: int | None = None
    last_unit = 10_000
    for ch in text:
        digit = _CN_DIGITS.get(ch)
        if digit is not None:
            if current:  # two non-zero digits in a row ("二二") is not an ordinal
                return None
            current = digit
            continue
        unit = _CN_UNITS.get(ch)
        if unit is None or unit >= last_unit:
            return None
        total += (current or 1) * unit
        current = None
        last_unit = unit
    return total + (current or 0)


# --- markers --------------------------------------------------------------------------------------

# Units after a number at the start of a paragraph ("1.5亿元", "30日内"): not a section number.
# 分 is handled apart: "3.3分析研判" is a heading, "1.5分" is a score.
_UNITS = "年月日时秒个万亿元千百余多项条次人家户名岁天周倍米里亩吨度号期批所类种件台辆座位份级部套层"
_MARKER = re.compile(
    rf"""^(?:
      第(?P<di>[{_CN_NUM}\d]{{1,7}})(?P<dk>编|章|节|条|部分)(?![的之第款项所和、，,]|规定|中|以)
    | (?P<cn>[一二三四五六七八九十百]{{1,4}})、
    | [（(](?P<pcn>[一二三四五六七八九十百]{{1,4}})[）)]
    | [（(](?P<par>\d{{1,3}})[）)]
    | (?P<dec>[1-9]\d?(?:\.[1-9]\d?){{1,3}})(?![\d.．%])
    | (?P<ar>\d{{1,3}})(?:[.．](?![\d.．])|、)
    | (?P<circ>[\u2460-\u2473])
    | (?P<dec1>[1-9]\d?)\x20(?=[^\s\d{_UNITS}分])
    )""",
    re.X,
)
# The characters a match of _MARKER can open with, besides a digit.
_MARKER_FIRST = frozenset("第一二三四五六七八九十百（(") | frozenset(map(chr, range(0x2460, 0x2474)))
_DI_KIND = {"编": "part", "部分": "part", "章": "chapter", "节": "section", "条": "article"}
_DI_LEVEL = {"part": 0, "chapter": 1, "section": 2, "article": 3}
_SENTENCE_END = re.compile(r"[。！？；!?;]")
_SHORT_HEADING = 20
_MAX_TEXT = 60


@dataclass(slots=True, frozen=True)
class Marker:
    """A heading marker found at the start of a paragraph."""

    kind: str  # Heading.kind
    key: str  # stack key: the kind, or "decimal2" etc. for decimal outlines
    number: int | None
    label: str  # normalized marker, e.g. "第三十二条", "（一）", "1.", "3.4.1"
    end: int  # offset of the heading text in the paragraph


def match_marker(text: str) -> Marker | None:
    """The heading marker at the start of ``text`` (a cleaned paragraph), or None.

    >>> match_marker("（二）严格落实放宽市场准入。")
    Marker(kind='paren_cn', key='paren_cn', number=2, label='（二）', end=3)
    >>> [match_marker(s) for s in ["1.5亿元", "2020.", "2020年8月", "30 日内"]]
    [None, None, None, None]
    """
    first = text[:1]
    if first not in _MARKER_FIRST and not first.isdecimal():
        return None  # every branch of _MARKER opens with one of these or a digit (\d is isdecimal)
    m = _MARKER.match(text)
    if m is None:
        return None
    g = m.lastgroup
    raw = m.group(g) if g else ""
    if g == "di" or g == "dk":
        raw = m.group("di")
        kind = _DI_KIND[m.group("dk")]
        return Marker(kind, kind, cn_number(raw), f"第{raw}{m.group('dk')}", m.end())
    if g == "cn":
        return Marker("cn_item", "cn_item", cn_number(raw), f"{raw}、", m.end())
    if g == "pcn":
        return Marker("paren_cn", "paren_cn", cn_number(raw), f"（{raw}）", m.end())
    if g == "par":
        return Marker("paren_arabic", "paren_arabic", int(raw), f"（{int(raw)}）", m.end())
    if g == "ar":
        return Marker("arabic", "arabic", int(raw), f"{int(raw)}.", m.end())
    if g == "circ":
        return Marker("circled", "circled", ord(raw) - 0x2460 + 1, raw, m.end())
    if g == "dec":  # "3.4.1 Ⅳ级响应", "3.3分析研判"; not "1.5亿元", "0.5分"
        rest = text[m.end():].lstrip()
        if not rest or rest[0] in _UNITS or (rest[0] == "分" and len(rest) <= 2):
            return None
        parts = raw.split(".")
        return Marker("decimal", f"decimal{len(parts)}", int(parts[-1]), raw, m.end())
    if g == "dec1":  # "1 总则": only a short title counts, never a sentence
        rest = text[m.end():].strip()
        if not rest or len(rest) > _SHORT_HEADING or _SENTENCE_END.search(rest) or "，" in rest:
            return None
        return Marker("decimal", "decimal1", int(raw), raw, m.end())
    return None  # pragma: no cover - every group is handled above


def _heading_text(rest: str) -> str:
    rest = rest.lstrip(" 、.．:：")
    m = _SENTENCE_END.search(rest)
    if m:
        rest = rest[: m.start()]
    rest = rest.rstrip("：:，, ")
    if len(rest) > _MAX_TEXT:
        rest = rest[:_MAX_TEXT].rstrip() + "…"
    return rest


# A paragraph that reads like the title of an enclosed text or an attachment label starts a new
# numbering context (a table title such as "…任务表" does not: the text goes on around the table).
_ATTACHMENT_LABEL = re.compile(r"^附\s*件\s*\d{0,2}$")
_TITLE_WORDS = ("方案", "办法", "规定", "细则", "制度", "规则", "意见", "通知", "决定", "计划", "要点", "安排", "预案",
                "措施", "条例", "规划", "指南", "纲要", "章程", "准则", "守则", "须知")
_TRAILING_NOTE = re.compile(r"（[^（）]{1,8}）$")  # "…办法（试行）"
_ATTACHMENT_LIST = re.compile(r"^(?:附\s*件|附\s*表|注|备注|说明)\s*[：:]?\s*(\d{1,2})\s*[.．、]")
_ATTACHMENT_FIRST = frozenset("附注备说")  # the first characters of the branches of _ATTACHMENT_LIST
_NOT_TITLE = re.compile(r"[，。；：！？,;:!?\t]")
_MAX_TITLE = 64


def _is_title(text: str) -> bool:
    if len(text) > _MAX_TITLE or _NOT_TITLE.search(text) is not None:
        return False
    if _ATTACHMENT_LABEL.match(text):
        return True
    if text.endswith("）"):
        text = _TRAILING_NOTE.sub("", text)
    return len(text) >= 6 and text.endswith(_TITLE_WORDS)


# --- the tree -------------------------------------------------------------------------------------


def _fixed_level(key: str) -> int | None:
    if key in _DI_LEVEL:
        return _DI_LEVEL[key]
    if key.startswith("decimal"):
        return 10 + int(key[7:])
    return None


def _insert_rank(order: list[str], key: str) -> None:
    """Place a kind seen for the first time into the ranking (index 0 = top)."""
    level = _fixed_level(key)
    if level is not None:
        for i, other in enumerate(order):
            other_level = _fixed_level(other)
            if other_level is None:
                if level < 10:  # 编/章/节/条 rank above every list marker
                    order.insert(i, key)
                    return
            elif other_level > level and (other_level < 10) == (level < 10):
                order.insert(i, key)
                return
    order.append(key)


_SEQUENCE_CODES = {"article": "article_out_of_sequence", "chapter": "chapter_out_of_sequence",
                   "section": "section_out_of_sequence", "part": "part_out_of_sequence"}


class _Checker:
    """Numbering checks: siblings may restart at 1 or run on from the previous item of the kind."""

    def __init__(self) -> None:
        self.last_of_key: dict[str, Heading] = {}
        self.warnings: list[ParseWarning] = []

    def reset(self) -> None:
        self.last_of_key.clear()

    def check(self, h: Heading, key: str, prev_sibling: Heading | None) -> None:
        n = h.number
        last = self.last_of_key.get(key)
        self.last_of_key[key] = h
        if n is None:
            return
        if h.kind == "article" or h.kind in ("chapter", "part"):
            # numbered through the whole text: restart only at 1
            if last is None or last.number is None or n == last.number + 1 or n == 1:
                return
            what = "重复" if n == last.number else "不连续"
            self.warnings.append(ParseWarning(
                _SEQUENCE_CODES[h.kind], f"序号{what}：{last.label}（第{last.line}行）之后是{h.label}", h.line))
            return
        allowed = {1}  # a new list may always start
        if prev_sibling is not None and prev_sibling.number is not None:
            allowed.add(prev_sibling.number + 1)
        elif last is not None and last.number is not None:
            allowed.add(last.number + 1)
        if n in allowed:
            return
        before = prev_sibling if prev_sibling is not None else last
        if before is None:
            code, msg = "numbering_gap", f"编号不从1开始：{h.label}"
        elif n > max(allowed):
            code, msg = "numbering_gap", f"编号跳号：{before.label}（第{before.line}行）之后是{h.label}"
        else:
            what = "重复" if before.number == n else "倒序"
            code, msg = "numbering_out_of_sequence", f"编号{what}：{before.label}（第{before.line}行）之后是{h.label}"
        if h.kind == "section":
            code = _SEQUENCE_CODES["section"]
        self.warnings.append(ParseWarning(code, msg, h.line))


def build_outline(paragraphs: list[Paragraph]) -> tuple[list[Heading], list[ParseWarning]]:
    """Build the heading tree of one document from its cleaned paragraphs.

    Returns the top-level headings (children nested) and numbering warnings:
    ``article_out_of_sequence`` (also chapter/section/part), ``numbering_gap`` (an item skipped)
    and ``numbering_out_of_sequence`` (an item repeated or going backwards).
    Paragraphs holding tabs are table rows and never headings.
    """
    roots: list[Heading] = []
    stack: list[tuple[str, Heading]] = []
    order: list[str] = []
    # The last heading of each key in each list of siblings (keyed by the list's id: roots and
    # the children of every heading, all alive until the end): the previous sibling of a kind
    # without walking the siblings back and computing the key of each (_key_of(h) == the key of
    # the marker h was made from).
    last_sibling: dict[int, dict[str, Heading]] = {}
    checker = _Checker()
    attachment_item = 0  # number of the last entry of an "附件：1. …" list being read
    for para in paragraphs:
        text = para.text
        if not text or "\t" in text:
            continue
        listed = _ATTACHMENT_LIST.match(text) if text[0] in _ATTACHMENT_FIRST else None
        if listed:
            attachment_item = int(listed.group(1))
            continue
        marker = match_marker(text)
        if attachment_item and marker is not None and marker.kind == "arabic" and marker.number == attachment_item + 1:
            attachment_item += 1  # "2. 企业问题征集表": the next entry of the list, not a heading
            continue
        attachment_item = 0
        if marker is None:
            if _is_title(text):
                stack.clear()
                order.clear()
                checker.reset()
            continue
        key = marker.key
        if key not in order:
            _insert_rank(order, key)
        rank = order.index(key)
        while stack and order.index(stack[-1][0]) >= rank:
            stack.pop()
        siblings = stack[-1][1].children if stack else roots
        last_of = last_sibling.get(id(siblings))
        if last_of is None:
            last_of = last_sibling[id(siblings)] = {}
        prev_sibling = last_of.get(key)
        heading = Heading(
            kind=marker.kind,
            level=len(stack) + 1,
            number=marker.number,
            label=marker.label,
            text=_heading_text(text[marker.end:]),
            line=para.start_line,
        )
        checker.check(heading, key, prev_sibling)
        siblings.append(heading)
        last_of[key] = heading
        stack.append((key, heading))
    return roots, checker.warnings


def _key_of(h: Heading) -> str:
    return f"decimal{h.label.count('.') + 1}" if h.kind == "decimal" else h.kind
