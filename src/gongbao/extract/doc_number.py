"""Where the 文号 (document number) is parsed and normalized.

A 文号 is ``<机关代字>〔<year>〕<serial>号``. OCR prints the year brackets as 〔〕 [] () （） 【】 or a
mismatched pair, spreads spaces anywhere and flips digits to full width. ``normalize_doc_number``
folds all of that to one canonical form; ``find_doc_numbers`` finds every 文号 in a text with offsets.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

OPEN_BRACKETS = "〔[(（【［「｛{〈<"
CLOSE_BRACKETS = "〕])）】］」｝}〉>"
_OPEN = re.escape(OPEN_BRACKETS)
_CLOSE = re.escape(CLOSE_BRACKETS)

# The prefix (机关代字): 1-12 Han characters, possibly with a few Latin letters (e.g. 晋环土壤, 国卫办老龄发).
_PREFIX = r"[\u4e00-\u9fff]{1,12}"
DOC_NUMBER_RE = re.compile(
    rf"(?P<prefix>{_PREFIX})\s*[{_OPEN}]\s*(?P<year>(?:19|20)\s*\d\s*\d|[１２][０-９]{{3}})\s*[{_CLOSE}]"
    rf"\s*(?P<di>第)?\s*(?P<serial>[0-9０-９](?:\s?[0-9０-９]){{0,4}})\s*号"
)
# Words that may precede a 文号 in running text but are not part of its prefix.
_LEADING_NOISE = re.compile(
    r"^.*?(?:文件|印发|转发|根据|按照|依据|执行|落实|贯彻|的|和|及|与|或|见|即|、|号)(?=[\u4e00-\u9fff]{2,})"
)
_BAD_PREFIX_START = tuple("的和及与或见即在对按据于将由")


@dataclass(frozen=True, slots=True)
class DocNumberSpan:
    """A 文号 found in a text: ``start``/``end`` are offsets into that text."""

    normalized: str
    raw: str
    start: int
    end: int
    prefix: str
    year: int
    serial: int


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _squeeze(text: str) -> str:
    """NFKC without whitespace, to a fixed point (NFKC can itself produce spaces, e.g. from ´)."""
    for _ in range(4):
        folded = re.sub(r"\s+", "", _fold(text))
        if folded == text:
            break
        text = folded
    return text


def normalize_doc_number(raw: str) -> str:
    """Fold a printed 文号 to its canonical form.

    >>> normalize_doc_number("朔政办发 [2020] 36 号")
    '朔政办发〔2020〕36号'
    >>> normalize_doc_number("国发〔2018〕 19号〕")
    '国发〔2018〕19号'
    >>> normalize_doc_number("晋人社厅发(2019)41号")
    '晋人社厅发〔2019〕41号'
    """
    m = DOC_NUMBER_RE.search(raw)
    if not m:
        return _squeeze(raw)
    prefix = _clean_prefix(m.group("prefix")) or re.sub(r"\s+", "", m.group("prefix"))
    year = re.sub(r"\s+", "", _fold(m.group("year")))
    serial = str(int(re.sub(r"\s+", "", _fold(m.group("serial")))))
    return f"{prefix}〔{year}〕{m.group('di') or ''}{serial}号"


def _clean_prefix(prefix: str) -> str:
    prefix = re.sub(r"\s+", "", prefix)
    m = _LEADING_NOISE.match(prefix)
    if m:
        prefix = prefix[m.end():]
    while prefix and prefix[0] in _BAD_PREFIX_START and len(prefix) > 2:
        prefix = prefix[1:]
    return prefix


def find_doc_numbers(text: str) -> list[DocNumberSpan]:
    """Every 文号 in ``text``, in order, with offsets of the printed form."""
    out: list[DocNumberSpan] = []
    if "号" not in text:
        return out
    for m in DOC_NUMBER_RE.finditer(text):
        prefix = _clean_prefix(m.group("prefix"))
        if not prefix:
            continue
        start = m.end("prefix") - len(prefix) if prefix in m.group("prefix") else m.start()
        year = int(re.sub(r"\s+", "", _fold(m.group("year"))))
        serial = int(re.sub(r"\s+", "", _fold(m.group("serial"))))
        out.append(
            DocNumberSpan(
                normalized=f"{prefix}〔{year}〕{m.group('di') or ''}{serial}号",
                raw=text[start:m.end()],
                start=start,
                end=m.end(),
                prefix=prefix,
                year=year,
                serial=serial,
            )
        )
    return out


def brackets_balanced(raw: str) -> bool:
    """Whether the year brackets of a printed 文号 form a matching pair (〔〕, [], （）, ...)."""
    m = re.search(rf"([{_OPEN}])\s*\d{{4}}\s*([{_CLOSE}])", raw)
    if not m:
        return True
    pairs = {o: c for o, c in zip(OPEN_BRACKETS, CLOSE_BRACKETS, strict=True)}
    return pairs.get(m.group(1)) == m.group(2)


def enclosing_brackets_balanced(text: str, span: DocNumberSpan) -> bool:
    """Whether the brackets printed around a 文号 in running text pair up: ``(国发〔2018〕19号〕``
    (a 〕 closing a half-width parenthesis) does not."""
    before = text[: span.start].rstrip()
    after = text[span.end:].lstrip()
    opener = before[-1:] if before[-1:] in "(（[【〔" else ""
    closer = after[:1] if after[:1] in ")）]】〕" else ""
    if not opener or not closer:
        return True  # a list of numbers, or the end of a longer parenthesis: nothing to pair
    return {"(": ")）", "（": ")）", "[": "]", "【": "】", "〔": "〕"}[opener].find(closer) >= 0


FULL_LINE_DOC_NUMBER_RE = re.compile(
    rf"^\s*[（(]?\s*(?P<prefix>{_PREFIX})\s*[{_OPEN}]\s*(?:19|20)\s*\d\s*\d\s*[{_CLOSE}]"
    rf"\s*第?\s*[0-9０-９](?:\s?[0-9０-９]){{0,4}}\s*号\s*[)）]?\s*$"
)


def is_doc_number_line(line: str) -> bool:
    """True when a line holds nothing but a 文号 (the line under a document's title), possibly in
    parentheses: ``朔政发〔2020〕26号`` or ``（晋政发〔2020〕1号）``."""
    return bool(FULL_LINE_DOC_NUMBER_RE.match(line))
