"""Validity clauses: effective date (自…起施行), validity period (有效期N年), end date, repeals."""

from __future__ import annotations

import re

from gongbao.extract.dates import cn_small_number, month_day_in_year, parse_date
from gongbao.extract.doc_number import find_doc_numbers
from gongbao.models import Document
from gongbao.segment.lines import Lines

_EFFECTIVE_RE = re.compile(
    r"自(?P<when>(?:(?:19|20)\d{2}年)?\d{1,2}月\d{1,2}日|印发之日|公布之日|发布之日|下发之日)"
    r"(?P<after>起?[^。；]{0,12}?)(?:起)?(?:施行|实施|执行|生效)"
)
_VALIDITY_RE = re.compile(r"有效期(?:为|至)?(?P<n>\d{1,2}|[一二三四五六七八九十两]{1,2})年")
_UNTIL_RE = re.compile(r"(?:有效期至|执行期[^。]{0,20}?至|执行至)(?P<d>(?:19|20)\d{2}年\d{1,2}月\d{1,2}日)")
_REPEAL_RE = re.compile(r"(?:同时废止|予以废止|即行废止|废止|不再执行|停止执行)")
_TITLE_RE = re.compile(r"《([^《》]{2,80})》")
_SPACE = re.compile(r"\s+")


def _sentences(lines: Lines, doc: Document):
    for n in range(doc.start_line, doc.end_line + 1):
        raw = lines.raw[n - 1]
        if not raw.strip():
            continue
        text = _SPACE.sub("", raw)
        for sentence in re.split(r"(?<=[。；;])", text):
            if sentence:
                yield n, sentence


def fill(doc: Document, lines: Lines) -> None:
    """Set effective_date / effective_clause / validity_years / valid_until / repeals."""
    signed_year = int(doc.signed_date[:4]) if doc.signed_date else None
    repeals: list[str] = []
    for n, sentence in _sentences(lines, doc):
        if doc.effective_clause is None:
            m = _EFFECTIVE_RE.search(sentence)
            if m and not sentence.startswith(("从",)):
                doc.effective_clause = sentence
                when = m.group("when")
                if "月" in when and "日" in when:
                    doc.effective_date = parse_date(when) if "年" in when else (
                        month_day_in_year(when, signed_year) if signed_year else None)
                elif when in ("印发之日", "下发之日") and "后" not in m.group("after"):
                    doc.effective_date = doc.signed_date
                    if doc.effective_date is not None:
                        doc.effective_date = None  # relative clause: no calendar date printed
        if doc.validity_years is None:
            m = _VALIDITY_RE.search(sentence)
            if m:
                doc.validity_years = float(cn_small_number(m.group("n")) or 0) or None
        if doc.valid_until is None:
            m = _UNTIL_RE.search(sentence)
            if m:
                doc.valid_until = parse_date(m.group("d"))
        if _REPEAL_RE.search(sentence) and ("原" in sentence or "《" in sentence or find_doc_numbers(sentence)):
            numbers = [s.normalized for s in find_doc_numbers(sentence) if s.normalized != doc.doc_number]
            targets = numbers or _TITLE_RE.findall(sentence)
            for t in targets:
                if t not in repeals:
                    repeals.append(t)
    doc.repeals = repeals
