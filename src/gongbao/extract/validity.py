"""Validity clauses: effective date (自…起施行), validity period (有效期N年), end date, repeals.

``effective_date`` is only set from a calendar date printed in the clause (a clause without a year
takes the year of the signature); relative clauses (自印发之日起, 自公布之日起三十日后) keep their
text in ``effective_clause`` so that a status can still be computed from the signed date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from gongbao.extract.dates import cn_small_number, month_day_in_year, parse_date
from gongbao.extract.doc_number import find_doc_numbers
from gongbao.models import Document
from gongbao.segment.lines import Lines

_EFFECTIVE_RE = re.compile(
    r"自(?P<when>(?:(?:19|20)\d{2}年)?\d{1,2}月\d{1,2}日|印发之日|公布之日|发布之日|下发之日|印发|公布|发布)"
    r"(?P<after>[^。；]{0,12}?)(?:施行|实施|执行|生效|实行)"
)
# The clause must speak of the document itself (本办法/本规定/本意见/本文件 ...).
_SELF = re.compile(r"本(?:[\u4e00-\u9fff]{0,4}?)(?:办法|规定|意见|文件|方案|通知|措施|决定|细则|规则|制度|预案|计划|条例|政策)")
_VALIDITY_RE = re.compile(r"有效期(?:为|是)?(?P<n>\d{1,2}|[一二三四五六七八九十两]{1,2})年")
_UNTIL_RE = re.compile(r"(?:有效期至|执行期[^。]{0,20}?至|执行至|有效期[^。]{0,10}?至)(?P<d>(?:19|20)\d{2}年\d{1,2}月\d{1,2}日)")
_REPEAL_RE = re.compile(r"同时废止|予以废止|即行废止|自行废止|一并废止|废止|不再执行|停止执行|同时失效")
_MODAL = re.compile(r"应|需|可|不得|宣布|建议|或者|或|是否|情形|清理|要求")
_TITLE_RE = re.compile(r"《([^《》]{2,80})》")
_SPACE = re.compile(r"\s+")


_SENTENCE_SPLIT = re.compile(r"(?<=[。；;])")
# The non-empty pieces of _SENTENCE_SPLIT.split(text), in order: each run up to and including a
# sentence end, then the rest. Opening with a character class instead of a lookbehind, the scan
# skips from sentence end to sentence end in C (the lookbehind was tried at every position).
_SENTENCE = re.compile(r"[^。；;]*[。；;]|[^。；;]+")
_HINT = re.compile(r"施行|实施|执行|生效|实行|有效期|废止|失效|至")


def _sentences(lines: Lines, start: int, end: int) -> Iterator[tuple[int, str]]:
    """Sentences of the lines that can hold a validity clause (cheap substring test first).

    Only sentences holding a _HINT are yielded: every clause :func:`fill` reads holds one (the
    verbs of _EFFECTIVE_RE, 有效期, 至, and each verb of _REPEAL_RE holds 废止, 执行 or 失效), and a
    hint never spans a sentence end."""
    hint = _HINT.search
    for n in lines.lines_matching(_HINT, start, end):
        raw = lines.raw[n - 1]
        for sentence in _SENTENCE.findall(_SPACE.sub("", raw)):
            if hint(sentence) is not None:
                yield n, sentence


def repeal_targets(sentence: str, own_number: str | None = None) -> list[str]:
    """What a sentence declares repealed: 文号 where printed, else 《titles》; [] if it repeals nothing.

    >>> repeal_targets("原《关于…的通知》(朔政办发〔2015〕 64号)同时废止。")
    ['朔政办发〔2015〕64号']
    """
    out: list[str] = []
    for verb in _REPEAL_RE.finditer(sentence):
        before = sentence[: verb.start()]
        numbers = [s for s in find_doc_numbers(before) if s.normalized != own_number]
        titles = list(_TITLE_RE.finditer(before))
        last_end = max([s.end for s in numbers] + [t.end() for t in titles] + [-1])
        if last_end < 0:
            continue
        gap = before[last_end:]
        if len(gap) > 25 or _MODAL.search(gap):
            continue
        targets = [s.normalized for s in numbers] or [t.group(1) for t in titles]
        out.extend(t for t in targets if t not in out)
    return out


def fill(doc: Document, lines: Lines) -> None:
    """Set effective_date / effective_clause / validity_years / valid_until / repeals."""
    signed_year = int(doc.signed_date[:4]) if doc.signed_date else None
    repeals: list[str] = []
    for _, sentence in _sentences(lines, doc.start_line, doc.end_line):
        if doc.effective_clause is None:
            m = _EFFECTIVE_RE.search(sentence)
            if m and (_SELF.search(sentence[: m.start()]) or sentence.startswith(("自", "现予", "现印发"))):
                doc.effective_clause = sentence
                when = m.group("when")
                if "月" in when and "日" in when:
                    doc.effective_date = parse_date(when) if "年" in when else (
                        month_day_in_year(when, signed_year) if signed_year else None)
        if "有效期" in sentence:
            if doc.validity_years is None:
                m = _VALIDITY_RE.search(sentence)
                if m and _SELF.search(sentence[: m.start()]):
                    doc.validity_years = float(cn_small_number(m.group("n")) or 0) or None
        if doc.valid_until is None and "至" in sentence:
            m = _UNTIL_RE.search(sentence)
            if m and _SELF.search(sentence[: m.start()]):
                doc.valid_until = parse_date(m.group("d"))
        if _REPEAL_RE.search(sentence):
            for t in repeal_targets(sentence, doc.doc_number):
                if t not in repeals:
                    repeals.append(t)
    doc.repeals = repeals
