"""Document head and foot: title, 文种, 主送机关, signature (issuer + 成文日期), 附注 (public notice).

All functions take the issue's ``Lines`` and 1-based line numbers and return values plus the line
they were read from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gongbao.extract.dates import DATE_RE, parse_date
from gongbao.segment.lines import Lines, strip_markup, tidy

DOC_TYPES = ("通知", "通报", "意见", "决定", "批复", "函", "命令", "令", "公告", "通告", "报告", "请示",
             "议案", "纪要", "决议", "公报")
# Kinds of standalone texts, used when a title ends in no 文种 (e.g. 实施办法 -> 办法).
TEXT_KINDS = ("实施细则", "细则", "办法", "规定", "方案", "规则", "规划", "计划", "要点", "安排", "制度",
              "条例", "章程", "标准", "清单", "目录", "指南", "预案", "措施", "名单", "纲要")
_TRAILING_PAREN = re.compile(r"[（(][^（()）]{1,8}[)）]$")
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")

_ORG_SUFFIX = (r"(?:人民政府|人民政府办公室|人民政府办公厅|政府|办公室|办公厅|委员会|委|局|厅|部|院|办|会|署|中心|"
               r"公司|集团|银行|分行|支行|小组|指挥部|支队|分局|总队|大队|法院|检察院|军分区|武装部|警备区|工会|联合会|"
               r"协会|商会|学会|大学|学院|医院|研究院|研究所|所|站|社|团|队|处|科)")
ORG_RE = re.compile(rf"^[\u4e00-\u9fff（）()]{{2,40}}{_ORG_SUFFIX}$")
_SIGNER_RE = re.compile(r"^(?:代理?)?(?:副)?(?:市长|省长|县长|区长|州长|旗长|主席|主任|局长|厅长|部长|总理)[\u4e00-\u9fff·]{2,4}$")
_PUBLIC_NOTICE_RE = re.compile(
    r"[（(]\s*((?:此\s*件|公\s*开\s*方\s*式|公\s*开\s*属\s*性|信息公开选项)[^（()）]{1,14}?)\s*[)）]")
_COLON = re.compile(r"[:：]")
_RECIPIENT_WORDS = re.compile(r"各|人民政府|政府|委|办|局|单位|部门|管委会|公司|银行|学校|院|厅|中心|处|社|会|市|县|区")


def clean_title(raw_lines: list[str]) -> str:
    """Join title lines: markup and line-wrap spaces removed, punctuation as printed."""
    joined = "".join(strip_markup(x).strip() for x in raw_lines)
    return _CJK_SPACE.sub("", joined.replace("\t", " ")).strip()


def doc_type_of(title: str) -> str | None:
    """The 文种 that ends a title; else the final kind word (实施办法 -> 办法); else None.

    >>> doc_type_of("朔州市人民政府办公室关于规范互联网租赁自行车(共享单车)发展的实施意见(试行)")
    '意见'
    """
    t = title.strip().rstrip("。")
    while _TRAILING_PAREN.search(t):
        t = _TRAILING_PAREN.sub("", t).rstrip()
    for kind in DOC_TYPES:
        if t.endswith(kind):
            # 命令 before 令; 通知/通报 etc. are unambiguous.
            if kind == "令" and t.endswith("命令"):
                return "命令"
            return kind
    for kind in TEXT_KINDS:
        if t.endswith(kind):
            return kind[-2:] if kind == "实施细则" else kind
    return None


@dataclass(slots=True)
class Signature:
    issuer: str | list[str] | None
    date: str | None
    line: int  # the date line
    issuer_lines: list[int] = field(default_factory=list)


def _org_parts(text: str) -> list[str] | None:
    """Split a signature line into organ names, or None if it is not a list of organs."""
    parts = [p for p in re.split(r"[\s\t]+", strip_markup(text).strip()) if p]
    if not parts:
        return None
    merged: list[str] = []
    for p in parts:
        if merged and not ORG_RE.match(merged[-1]):
            merged[-1] += p  # an organ name broken by an OCR space
        else:
            merged.append(p)
    if all(ORG_RE.match(p) for p in merged) and all(len(p) <= 40 for p in merged):
        return merged
    joined = "".join(parts)
    return [joined] if ORG_RE.match(joined) else None


def find_signature(lines: Lines, start: int, end: int) -> Signature | None:
    """The first signature block (organ(s) + 成文日期) between lines ``start`` and ``end``."""
    compacted = lines.compacted
    for n in range(max(start, 1), min(end, len(lines)) + 1):
        c = compacted[n - 1]  # lines.c(n), without a call per line
        if not c.endswith("日"):
            continue  # the first date must end the line, and every DATE_RE match ends with 日
        m = DATE_RE.search(c)
        if not m or m.end() != len(c):
            continue
        date = parse_date(c)
        if date is None:
            continue
        before = c[: m.start()]
        if before:
            # "朔州市人民政府 2020年8月13日" on one line.
            raw = strip_markup(lines.raw[n - 1])
            raw_before = raw[: raw.find(before[-1]) + 1] if before[-1] in raw else before
            parts = _org_parts(raw_before)
            if parts:
                return Signature(parts[0] if len(parts) == 1 else parts, date, n, [n])
            continue
        # Date alone: the issuer is on the line(s) just above.
        above = lines.prev_nonblank(n, max(start, n - 3))
        if above is not None and _SIGNER_RE.match(lines.c(above)):
            return Signature(None, date, n, [above])  # 令: signed by the head of government
        issuers: list[str] = []
        issuer_lines: list[int] = []
        p = lines.prev_nonblank(n, max(start, n - 6))
        while p is not None and len(issuer_lines) < 4:
            parts = _org_parts(lines.raw[p - 1])
            if not parts:
                break
            issuers = parts + issuers
            issuer_lines.insert(0, p)
            p = lines.prev_nonblank(p, max(start, n - 6))
        if issuers:
            return Signature(issuers[0] if len(issuers) == 1 else issuers, date, n, issuer_lines)
    return None


def find_recipients(lines: Lines, after: int, end: int) -> tuple[str | None, int | None]:
    """The 主送机关 on the first line(s) after the 文号: text up to the first colon."""
    n = lines.next_nonblank(after, end)
    if n is None:
        return None, None
    acc = ""
    first = n
    for _ in range(3):
        raw = strip_markup(lines.raw[n - 1]).strip()
        m = _COLON.search(raw)
        if m:
            head = acc + raw[: m.start()]
            if not head or len(head) > 200 or not _RECIPIENT_WORDS.search(head) or "。" in head:
                return None, None
            return re.sub(r"\s+", "", head), first
        acc += raw
        if len(acc) > 120 or "。" in raw:
            return None, None
        nxt = lines.next_nonblank(n, end)
        if nxt is None or nxt - n > 2:
            return None, None
        n = nxt
    return None, None


def find_public_notice(lines: Lines, start: int, end: int) -> tuple[str | None, int | None]:
    """The 附注 such as （此件公开发布）, wherever it sits in the document."""
    compacted = lines.compacted
    for n in range(max(start, 1), min(end, len(lines)) + 1):
        c = compacted[n - 1]  # lines.c(n), without a call per line
        if "此件" not in c and "公开" not in c:
            continue
        m = _PUBLIC_NOTICE_RE.search(c)
        if m:
            return re.sub(r"\s+", "", m.group(1)), n
    return None, None


def title_of(lines: Lines, first: int, last: int) -> str:
    return clean_title([lines.raw[n - 1] for n in range(first, last + 1) if lines.c(n)])


__all__ = [
    "DOC_TYPES",
    "Signature",
    "clean_title",
    "doc_type_of",
    "find_public_notice",
    "find_recipients",
    "find_signature",
    "title_of",
    "tidy",
]
