"""Enclosures (texts that a notice 印发/转发 and prints after itself) and attachments (附件).

Attachments are read from two places that usually, but not always, agree: the 附件说明 list
(``附件：1. …`` / ``2. …``) and the headings printed under ``附件`` / ``附件1`` labels. The printed
heading wins where both exist; a listed attachment that is not printed (``（略）``, or published
elsewhere) is still an attachment. Enclosures are the headings of the texts that follow a notice's
signature, named as the notice names them where it does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gongbao.extract.metadata import ORG_RE, TEXT_KINDS
from gongbao.models import Document
from gongbao.segment.lines import Lines, soft_key, strip_markup, tidy

_NOTE_RE = re.compile(r"^附件(?:[（(][^）)]{0,20}[)）])?[:：](?P<rest>.*)$")
_LABEL_RE = re.compile(r"^附件(?P<n>\d{1,2})?[:：]?$")
_NUMBERED = re.compile(r"^(?P<n>\d{1,2})\s*[.、．]\s*")
_OMITTED = re.compile(r"[（(]\s*略\s*[)）]$")
_COUNT_SUFFIX = re.compile(r"[（(]共\d+[项个家条]?[)）]$")
_OUTLINE_START = re.compile(
    r"^(?:第[一二三四五六七八九十百零〇\d]+[章节条编部分]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|"
    r"\d+[.、．]|[①-⑳])"
)
_KIND_WORDS = tuple(dict.fromkeys((*TEXT_KINDS, "预案", "措施", "要点", "规程", "守则", "指引", "导则", "意见",
                                   "通知", "决定", "公告", "通告")))
_KIND_END = re.compile(rf"(?:{'|'.join(_KIND_WORDS)})(?:[（(][^（()）]{{1,12}}[)）])?$")
_DECIMAL_OUTLINE = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\s*(?![年月日岁个项])[\u4e00-\u9fff]")
_TITLE_NAME = re.compile(r"《(?P<t>[^《》]{2,80})》")


@dataclass(slots=True)
class _Listed:
    number: int | None
    text: str
    line: int


def _clean_item(text: str) -> str:
    text = tidy(text)
    text = _NUMBERED.sub("", text, count=1)
    text = _OMITTED.sub("", text).strip()
    text = text.strip("：:，,、 ")
    if text.startswith("《") and text.endswith("》"):
        text = text[1:-1]
    return text.replace("《", "").replace("》", "")


def _lines_starting_with_fujian(lines: Lines, start: int, end: int) -> list[int]:
    """The lines ``start..end`` whose compact view starts with 附件, in order.

    _NOTE_RE and _LABEL_RE are anchored on 附件, so only these lines can open a list or label an
    attachment. Most documents hold no 附件 at all: one C-level substring test over the joined
    span rules them out before any per-line work.
    """
    span = lines.compacted[max(start, 1) - 1:end]
    if "附件" not in "".join(span):
        return []
    return [n for n, c in enumerate(span, max(start, 1)) if c.startswith("附件")]


def attachment_notes(lines: Lines, start: int, end: int) -> list[_Listed]:
    """Entries of the 附件说明 lists in lines ``start``..``end``."""
    out: list[_Listed] = []
    n = start  # the first line not yet read (a block reads the lines of its list)
    for head in _lines_starting_with_fujian(lines, start, end):
        if head < n:
            continue
        m = _NOTE_RE.match(lines.c(head))
        if not m:
            continue
        n = head
        block: list[_Listed] = []
        rest = m.group("rest")
        numbered = bool(_NUMBERED.match(rest)) if rest else True
        if rest:
            nm = _NUMBERED.match(rest)
            block.append(_Listed(int(nm.group("n")) if nm else None, rest, n))
        k = n
        while True:
            nxt = lines.next_nonblank(k, end)
            if nxt is None or nxt - k > 2:
                break
            cn = lines.c(nxt)
            nm = _NUMBERED.match(cn)
            if numbered and nm:
                block.append(_Listed(int(nm.group("n")), lines.raw[nxt - 1], nxt))
            elif (block and not numbered and nxt == k + 1 and len(cn) <= 40 and not ORG_RE.match(cn)
                  and not cn.startswith("附件") and not re.match(r"^\d{4}年", cn)):
                block[-1].text += lines.raw[nxt - 1]  # an entry wrapped onto the next line
            else:
                break
            k = nxt
        n = k + 1
        if not block or any(tidy(b.text).endswith(("；", ";", "。")) for b in block):
            continue  # a list of materials inside a rule, not a list of attachments
        for b in block:
            b.text = _clean_item(b.text)
        out.extend(b for b in block if b.text)
    return out


def attachment_headings(lines: Lines, start: int, end: int) -> list[_Listed]:
    """Titles printed under ``附件`` / ``附件N`` label lines."""
    out: list[_Listed] = []
    for n in _lines_starting_with_fujian(lines, start, end):
        m = _LABEL_RE.match(lines.c(n))
        if not m:
            continue
        t = lines.next_nonblank(n, end)
        if t is None or "\t" in lines.raw[t - 1] or _LABEL_RE.match(lines.c(t)) or _NOTE_RE.match(lines.c(t)):
            continue
        text = tidy(lines.raw[t - 1])
        if len(text) > 80 or text.endswith(("。", "；", "：", ":")):
            continue
        out.append(_Listed(int(m.group("n")) if m.group("n") else None, _clean_item(text), t))
    return out


def _find_printed(lines: Lines, item: str, start: int, end: int) -> str | None:
    """The line that prints ``item`` as a heading of its own (no label above it)."""
    key = soft_key(item)
    if len(key) < 4:
        return None
    for n in range(start, end + 1):
        c = lines.c(n)
        if c and len(c) <= len(item) + 12 and soft_key(c) == key:
            return _clean_item(lines.raw[n - 1])
    return None


def find_attachments(lines: Lines, doc: Document, notes: list[_Listed]) -> list[str]:
    start, end = (doc.doc_number_line or doc.start_line) + 1, doc.end_line
    headings = attachment_headings(lines, start, end)
    used: set[int] = set()
    result: list[str] = []
    for i, note in enumerate(notes):
        match = None
        for j, h in enumerate(headings):
            if j in used or h.line < note.line:
                continue
            same_number = note.number is not None and h.number == note.number
            only_one = note.number is None and h.number is None and len(notes) == 1
            if same_number or only_one or soft_key(h.text) == soft_key(note.text):
                match = j
                break
        if match is None and note.number is not None and len(headings) == len(notes) and i < len(headings):
            match = i if i not in used else None
        if match is not None:
            used.add(match)
            result.append(headings[match].text)
            continue
        printed = _find_printed(lines, _COUNT_SUFFIX.sub("", note.text), note.line + 1, end)
        result.append(printed or _COUNT_SUFFIX.sub("", note.text))
    result.extend(h.text for j, h in enumerate(headings) if j not in used)
    return list(dict.fromkeys(result))


def _is_enclosure_heading(c: str, raw: str) -> bool:
    # Side-effect-free tests, cheapest first: most body lines are prose and fail on "。".
    return (
        4 <= len(c) <= 70
        and "。" not in c
        and "\t" not in raw
        and not c.endswith(("。", "；", "：", ":", "，"))
        and not c.startswith(("附件", "（此件", "(此件"))
        and bool(_KIND_END.search(c))
        and not _OUTLINE_START.match(c)
        and not _DECIMAL_OUTLINE.match(strip_markup(raw).strip())
        and not ORG_RE.match(c)
    )


def find_enclosures(lines: Lines, doc: Document, notice_end: int, stop: int | None = None) -> list[str]:
    """Headings of the texts printed after the notice (which ends at line ``notice_end``), up to
    ``stop`` (exclusive: where the attachments begin)."""
    last = doc.end_line if stop is None else min(doc.end_line, stop - 1)
    if notice_end >= last:
        return []
    notice_text = "".join(lines.c(n) for n in range(doc.start_line, notice_end + 1))
    names = [m.group("t") for m in _TITLE_NAME.finditer(notice_text)]
    found: list[str] = []
    # The compact lines walked directly (lines.c(n) for n in range, without its call and bounds
    # test); _LABEL_RE is anchored on 附件 and _is_enclosure_heading opens with the length and 。
    # tests, made here before its call (most lines are prose and fail them).
    for n, c in enumerate(lines.compacted[notice_end:last], notice_end + 1):
        if not c:
            continue
        if c.startswith("附件") and _LABEL_RE.match(c):
            break  # attachments follow; they are not enclosures
        if len(c) > 70 or "。" in c or not _is_enclosure_heading(c, lines.raw[n - 1]):
            continue
        following = lines.next_nonblank(n, doc.end_line)
        if following is not None and "\t" in lines.raw[following - 1]:
            continue  # the title of a table or form, not of an enclosed text
        heading = _clean_item(lines.raw[n - 1])
        key = soft_key(heading)
        named = next((nm for nm in names if soft_key(nm) == key), None)
        if named is None:
            named = next((nm for nm in names if soft_key(re.sub(r"[（(][^（()）]{1,8}[)）]$", "", nm)) == key), None)
        if found or named or _first_after(lines, notice_end, n):
            found.append(named or heading)
    return list(dict.fromkeys(found))


def _first_after(lines: Lines, notice_end: int, n: int) -> bool:
    return lines.next_nonblank(notice_end, n) == n


def fill(doc: Document, lines: Lines, head_end: int, recipients_line: int | None) -> None:
    """Set ``doc.attachments`` and ``doc.enclosures``."""
    notes = attachment_notes(lines, (doc.doc_number_line or doc.start_line) + 1, doc.end_line)
    doc.attachments = find_attachments(lines, doc, notes)
    notice_end = None
    if doc.signature_line:
        notice_end = doc.signature_line
        nxt = lines.next_nonblank(notice_end, doc.end_line)
        if nxt is not None and re.match(r"^[（(]此件", lines.c(nxt)):
            notice_end = nxt
    stop = next((note.line for note in notes if notice_end and note.line > notice_end), None)
    doc.enclosures = find_enclosures(lines, doc, notice_end, stop) if notice_end else []
