"""The 目录 (table of contents): 栏目 headers and entries (title, 文号, page).

TOC layouts seen in practice: title and ``文号+page`` on separate lines (page glued to 号, or after a
tab or dotted leader), the whole entry on one line ``title（文号）.....（38）``, markdown bullets,
entries without any 文号 (``title ..... 5``), and OCR junk in a trailing tab column. Junk cells are
kept as alternatives so that the caller can pick the reading that agrees with the body title.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from gongbao.extract.doc_number import find_doc_numbers
from gongbao.segment.lines import Lines, soft_key, strip_markup, tidy

_SECTION_RE = re.compile(r"^[【\[［〖]\s*(?P<name>[^】\]］〗]{2,20}?)\s*[】\]］〗]$")
_TOC_HEAD_RE = re.compile(r"^(?:本期)?(?:目录|目次)$")
# A 栏目 printed without brackets: ★市政府文件 / ● 人事任免
_MARKED_SECTION_RE = re.compile(r"^[★☆●○■□◆◇▲△※]+(?P<name>[\u4e00-\u9fff（）()]{2,20})$")
_PAGE_TAIL_RE = re.compile(r"(?:\.{2,}|…+|·{2,}|\t|\s{2,})\s*[（(]?\s*(?P<page>\d{1,4})\s*[)）]?\s*$")
_PAGE_RE = re.compile(r"\d{1,4}")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# A 令 number in a TOC entry: 忻州市城市绿化管理办法（市政府令第3号）
_ORDER_RE = re.compile(r"[（(]\s*(?P<no>[\u4e00-\u9fff]{0,20}令\s*第\s*\d{1,4}\s*号)\s*[)）]")


@dataclass(slots=True)
class RawTocEntry:
    section: str | None
    doc_number: str | None
    doc_number_raw: str | None
    page: int | None
    lines: list[int]
    # Title cells (tab-separated pieces) in order; cells marked optional may be OCR junk.
    cells: list[tuple[str, bool]] = field(default_factory=list)

    def title_candidates(self, limit: int = 64) -> list[str]:
        """Readings of the title: the default reading first, then with junk cells dropped."""
        options: list[list[str]] = []
        for text, optional in self.cells:
            if optional:
                no_han = _HAN.sub("", text)
                options.append(list(dict.fromkeys([text, no_han, ""])))
            else:
                options.append([text])
        out: list[str] = [self.default_title()]
        for combo in itertools.islice(itertools.product(*options), limit):
            t = _join(combo)
            if t not in out:
                out.append(t)
        return out

    def default_title(self) -> str:
        """Without knowledge of the body: drop a junk cell that repeats the previous character."""
        kept: list[str] = []
        for text, optional in self.cells:
            prev = _join(kept)
            if optional and text and prev.endswith(text.strip()):
                continue
            kept.append(text)
        return _join(kept)


def _join(cells: tuple[str, ...] | list[str]) -> str:
    return tidy("".join(cells)).replace(" ", "") if _HAN.search("".join(cells)) else tidy(" ".join(cells))


def find_toc_heading(lines: Lines, end: int) -> int | None:
    """Line number of the 目录 heading before line ``end``, or None."""
    for n in range(1, min(end, len(lines)) + 1):
        if _TOC_HEAD_RE.match(lines.c(n)):
            return n
    return None


def _title_cells(text: str, first: bool) -> list[tuple[str, bool]]:
    text = strip_markup(text)
    parts = text.split("\t")
    cells: list[tuple[str, bool]] = []
    for i, part in enumerate(parts):
        piece = part.strip()
        if not piece:
            continue
        optional = i > 0 and len(re.sub(r"\s", "", piece)) <= 2
        cells.append((piece, optional))
    return cells


def parse_toc(lines: Lines, start: int, end: int) -> list[RawTocEntry]:
    """Parse TOC lines ``start``..``end`` (inclusive, 1-based)."""
    entries: list[RawTocEntry] = []
    section: str | None = None
    cells: list[tuple[str, bool]] = []
    used: list[int] = []
    for n in range(start, min(end, len(lines)) + 1):
        c = lines.c(n)
        if not c:
            continue
        m = _SECTION_RE.match(c) or _MARKED_SECTION_RE.match(c)
        if m:
            section = re.sub(r"\s+", "", m.group("name"))
            cells, used = [], []
            continue
        raw = strip_markup(lines.raw[n - 1])
        numbers = find_doc_numbers(raw)
        if numbers:
            dn = numbers[-1]
            before = raw[: dn.start].rstrip()
            before = re.sub(r"[（(\[【〔\s]+$", "", before)
            if before.strip():
                cells.extend(_title_cells(before, not cells))
            after = raw[dn.end:]
            pm = _PAGE_RE.search(after)
            page = int(pm.group()) if pm else None
            entries.append(RawTocEntry(section, dn.normalized, dn.raw, page, [*used, n], cells))
            cells, used = [], []
            continue
        om = _ORDER_RE.search(raw)
        if om:
            before = raw[: om.start()].rstrip()
            if before.strip():
                cells.extend(_title_cells(before, not cells))
            pm = _PAGE_RE.search(raw[om.end():])
            number = re.sub(r"\s+", "", om.group("no"))
            entries.append(RawTocEntry(section, number, number, int(pm.group()) if pm else None, [*used, n], cells))
            cells, used = [], []
            continue
        pm = _PAGE_TAIL_RE.search(raw)
        if pm and _HAN.search(raw[: pm.start()]):
            cells.extend(_title_cells(raw[: pm.start()], not cells))
            entries.append(RawTocEntry(section, None, None, int(pm.group("page")), [*used, n], cells))
            cells, used = [], []
            continue
        cells.extend(_title_cells(raw, not cells))
        used.append(n)
    return entries


def best_title(entry: RawTocEntry, body_title: str | None) -> str:
    """The reading of a TOC title closest to the body title (junk cells dropped where that helps)."""
    candidates = entry.title_candidates()
    if not body_title or len(candidates) == 1:
        return candidates[0]
    from difflib import SequenceMatcher

    target = soft_key(body_title)
    best, best_score = candidates[0], -1.0
    for cand in candidates:
        score = SequenceMatcher(None, soft_key(cand), target, autojunk=False).ratio()
        if score > best_score + 1e-9:
            best, best_score = cand, score
    return best
