"""The cleaned paragraphs of a document body, each mapped back to its source lines.

In the OCR text every paragraph is one line and paragraphs are separated by blank lines; a page
break of the printed gazette survives only as one more blank line, often in mid-sentence
(``…鼓励外资参与`` / blank / ``旅游资源开发,…``). :func:`clean_paragraphs` turns the lines of one
document into :class:`~gongbao.models.Paragraph` records:

* each non-blank line is cleaned with :func:`gongbao.normalize.clean_line`;
* a paragraph cut by a page break is re-joined with its continuation (its span then covers both
  source lines), unless it ends a sentence, is a heading, title, signature or date, or the next
  line starts with a heading marker (一、 （一） 1. 第X条 附件 ...);
* articles that OCR ran into the previous paragraph (``…整体方案。 第九条 可行性…``) are split
  again; both parts keep the one source line as their span;
* table rows (lines with tabs) stay one paragraph each, cells cleaned and tab-separated, and are
  never merged into prose.

>>> lines = ["提高土地", "", "# 标题", "", "推动经济 高质量发展,鼓励外资参与", "", "旅游资源开发。", "", "(二)下一项。"]
>>> [(p.text, p.start_line, p.end_line) for p in clean_paragraphs(lines, 3, 9)]
[('标题', 3, 3), ('推动经济高质量发展，鼓励外资参与旅游资源开发。', 5, 7), ('（二）下一项。', 9, 9)]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from gongbao.extract.outline import match_marker
from gongbao.models import Paragraph
from gongbao.normalize import LineCleaner, strip_markup

# A paragraph ending in one of these ends a sentence (or a heading/label) and is never continued.
_FINAL = frozenset("。；：！？…）)!?;:】〕」』")
_QUOTE_CLOSERS = frozenset("”\"’'")
_AFTER_QUOTE_FINAL = frozenset("。！？!?…")
_SENTENCE_PUNCT = re.compile(r"[，。；、：,;:！？!?]")
# A date or a 文号 ends a signature or a heading block; a date also starts a signature line.
# One pattern per branch: searching the alternation of the three tried them all at every position
# of a paragraph, although two can only match at its end (日 or 号 among the last two characters:
# $ also matches before a final newline) and one only at its start.
_DATE_TAIL = re.compile(r"(?:\d{4}|[〇零一二三四五六七八九]{4})年\d{1,2}月\d{1,2}日$")
_DATE_HEAD = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
_NUMBER_TAIL = re.compile(r"[〔\[(（]\d{4}[〕\])）]\d+号$")
_HAS_CJK = re.compile(r"[\u3400-\u9fff]")
_SHORT_COLUMNS = 24  # a short line with a column space: a roster entry ("组长：武跃飞 副市长")
# Words that end titles, headings and signatures ("…实施方案", "…人民政府办公室").
_TITLE_END = re.compile(
    r"(?:方案|办法|规定|细则|制度|规则|意见|通知|决定|计划|要点|安排|预案|措施|条例|规划|标准|指南|清单|名单|目录|"
    r"表|纲要|分工|职责|章程|准则|守则|通报|公告|通告|报告|批复|函|纪要|书|简介|说明|人民政府|办公室|办公厅|委员会|小组|局|厅|"
    r"总则|附则)"
    r"(?:（[^（）]{1,8}）)?$"
)
# Short roster entries end with a post or a body ("市科技局党组书记、副局长", "市农业农村局").
_ENTRY_END = re.compile(r"(?:长|主任|书记|员|人|干部|主席|局|委|办|厅|中心|政府|办公室|公司)(?:（[^（）]{1,8}）)?$")
_SHORT_ENTRY = 24
# A "label：value" line (联系电话：…, 牵头单位：…, 成 员：…) is complete in itself.
_LABEL = re.compile(r"^[\u4e00-\u9fff]{2,8}[：:]")
_SHORT_LABEL_LINE = 40
_SHORT_TITLE = 12
_SHORT_HEADING = 40
_NEXT_STOPS = re.compile(r"^(?:附件|附表|附录|（此件|\(此件|抄送|印发|主送|特此)")
_RUN_IN_ARTICLE = re.compile(r"(?<=[。；;！!？?])\s*(?=第[零〇一二两三四五六七八九十百千\d]{1,7}条\s)")
# Every split point of _RUN_IN_ARTICLE has a sentence end, maybe spaces, then 第: a scan for that
# (opening with a character class, not a lookbehind) rules out most lines that hold 条.
_RUN_IN_HINT = re.compile(r"[。；;！!？?]\s*第")
_MAX_BLANKS = 3


def _date_end(text: str) -> bool:
    """Whether ``text`` ends with a date or a 文号, or starts with a date."""
    tail = text[-2:]
    return (
        _DATE_HEAD.match(text) is not None
        or ("日" in tail and _DATE_TAIL.search(text) is not None)
        or ("号" in tail and _NUMBER_TAIL.search(text) is not None)
    )


@dataclass(slots=True)
class _Piece:
    raw: str  # source text (for re-cleaning after a join)
    text: str  # cleaned
    start: int
    end: int
    table: bool = False
    md_heading: bool = False  # the source line was a Markdown heading ("### ...")


def clean_paragraphs(lines: Sequence[str], start: int, end: int,
                     clean: LineCleaner | None = None) -> list[Paragraph]:
    """Cleaned paragraphs of the document at 1-based inclusive lines ``start..end`` of ``lines``.

    ``lines`` is the whole issue split on ``\\n``; the span is clipped to it. Spans of the
    returned paragraphs lie within the span, in order, and only share a line where one source line
    held two articles. ``clean`` is the parse's shared :class:`~gongbao.normalize.LineCleaner`
    (a fresh one if not given).
    """
    clean = clean or LineCleaner()
    start = max(start, 1)
    end = min(end, len(lines))
    pieces: list[_Piece] = []
    for lineno, raw in enumerate(lines[start - 1:max(end, 0)], start):  # end < 0: no lines
        if not raw:
            continue
        if "\t" in raw:
            text = "\t".join([clean(cell, columns=False) for cell in raw.split("\t")]).rstrip("\t")
            if text.strip("\t"):
                pieces.append(_Piece(raw, text, lineno, lineno, table=True))
            continue
        md_heading = "#" in raw and raw.lstrip().startswith("#")
        if "条" not in raw:  # the usual line: one paragraph, no article run in
            text = clean(raw)
            if text:
                pieces.append(_Piece(raw, text, lineno, lineno, False, md_heading))
            continue
        stripped = strip_markup(raw)
        for part in _RUN_IN_ARTICLE.split(stripped) if _RUN_IN_HINT.search(stripped) else [stripped]:
            text = clean(part)
            if text:
                pieces.append(_Piece(part, text, lineno, lineno, False, md_heading))
    return [Paragraph(p.text, p.start, p.end) for p in _join_page_breaks(pieces, lines, clean)]


def _join_page_breaks(pieces: list[_Piece], lines: Sequence[str], clean: LineCleaner) -> list[_Piece]:
    out: list[_Piece] = []
    for piece in pieces:
        # _continues's first test inlined: most paragraphs end a sentence.
        if out and out[-1].text[-1] not in _FINAL and _continues(out[-1], piece, lines):
            prev = out[-1]
            left, right = strip_markup(prev.raw).rstrip(), strip_markup(piece.raw).lstrip()
            sep = " " if left[-1:].isascii() and left[-1:].isalnum() and right[:1].isascii() and right[:1].isalnum() else ""
            prev.raw = left + sep + right
            prev.text = clean(prev.raw)
            prev.end = piece.end
            continue
        out.append(piece)
    return out


def _continues(prev: _Piece, nxt: _Piece, lines: Sequence[str]) -> bool:
    """Whether ``nxt`` is the rest of ``prev``, cut by a page break."""
    # Every test below only returns False (none has a side effect), so their order does not
    # change the answer: the cheapest and most decisive come first (most paragraphs end a sentence).
    a, b = prev.text, nxt.text
    last = a[-1]
    if last in _FINAL or prev.table or nxt.table or prev.md_heading or nxt.md_heading:
        return False
    gap = nxt.start - prev.end - 1
    if gap < 1 or gap > _MAX_BLANKS:  # adjacent lines are separate paragraphs (rosters, signatures)
        return False
    for n in range(prev.end + 1, nxt.start):  # a loop, not any(<generator>): 1-3 lines
        if lines[n - 1].strip():
            return False
    if last in _QUOTE_CLOSERS and (len(a) < 2 or a[-2] in _AFTER_QUOTE_FINAL):
        return False  # …。” ends a sentence; …“放管服效” does not
    if _date_end(a) or _date_end(b) or _HAS_CJK.search(a) is None:
        return False
    marker = match_marker(a)
    if marker is not None and marker.kind == "article":
        return not (match_marker(b) is not None or _NEXT_STOPS.match(b))  # article text runs on
    if len(a) <= _SHORT_COLUMNS and " " in a[marker.end if marker else 0:]:
        return False
    if marker is not None and len(a) <= _SHORT_HEADING and "。" not in a:
        return False  # a heading: "一、总体要求", "1.1 编制目的"
    if _SENTENCE_PUNCT.search(a) is None and (len(a) <= _SHORT_TITLE or _TITLE_END.search(a)):
        return False  # a title, a label or a signature
    if len(a) <= _SHORT_ENTRY and _ENTRY_END.search(a):
        return False
    if len(a) <= _SHORT_LABEL_LINE and _LABEL.match(a) and "。" not in a:
        return False
    if match_marker(b) is not None or _NEXT_STOPS.match(b):
        return False
    if _LABEL.match(b) and a.count("（") + a.count("(") <= a.count("）") + a.count(")"):
        return False  # "B类（35个）：" after a list; but "（责任" / "单位：…）" is one clause
    return True
