"""Tables: tab-separated blocks of OCR text rebuilt as header + rows.

The converters print a table as one line per row with tabs between cells. Page breaks add blank
lines inside the block and repeat the header row; merged (row-spanning) cells come out as empty
leading cells; HTML (``<p>``, ``<input type="checkbox"/>``) survives inside cells. The result keeps
merged cells as ``""`` rather than guessing what they repeat.

>>> rows = ["附件2", "", "增设任务分配表", "", "地市\\t信号灯(个)\\t减速带(个)", "朔城\\t3\\t20", "", "地市\\t信号灯(个)\\t减速带(个)", "平鲁\\t\\t20"]
>>> [(t.title, t.header, t.rows, t.start_line, t.end_line) for t in extract_tables(rows, 1, 9)]
[('增设任务分配表', ['地市', '信号灯（个）', '减速带（个）'], [['朔城', '3', '20'], ['平鲁', '', '20']], 5, 9)]
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from gongbao.models import Table
from gongbao.normalize import LineCleaner

_MAX_BLANKS_INSIDE = 2  # blank (or tab-only) lines allowed between two rows of one table
_HEADER_SHARE = 0.6  # share of non-empty cells that makes a row a header candidate
_REPEAT_SHARE = 0.75  # share of header cells a row must repeat to be a page-break header repeat
_TITLE_LOOKBACK = 3
_MAX_TITLE = 60
_HAS_WORD = re.compile(r"[^\W_]")  # a letter, digit or Chinese character
_LABEL = re.compile(r"^[^，。；]{1,8}[：:]")  # "单位：万平方米", "报送单位：", "日期：年月日"


def _is_row(line: str) -> bool:
    return "\t" in line and not line.isspace()


def _is_blank(line: str) -> bool:
    return not line or line.isspace()


def _runs(lines: Sequence[str], start: int, end: int) -> list[tuple[int, int]]:
    """(first, last) 1-based line numbers of each block of tab lines.

    Two rows are in one block when at most ``_MAX_BLANKS_INSIDE`` lines lie between them, all
    blank. The rows are listed in one pass (a comprehension, not a loop of calls) and only the
    lines between two of them are looked at again.
    """
    runs: list[tuple[int, int]] = []
    span = lines[start - 1:end]
    if "\t" not in "".join(span):
        return runs  # no row at all (most documents): one C-level scan instead of a test per line
    rows = [n for n, line in enumerate(span, start) if "\t" in line and not line.isspace()]
    if not rows:
        return runs
    first = last = rows[0]
    for n in rows[1:]:
        if n - last - 1 > _MAX_BLANKS_INSIDE or not all(_is_blank(lines[k - 1]) for k in range(last + 1, n)):
            runs.append((first, last))
            first = n
        last = n
    runs.append((first, last))
    return runs


def _cells(line: str, clean: LineCleaner) -> list[str]:
    cells = [clean(cell, columns=False) for cell in line.split("\t")]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _norm(cell: str) -> str:
    return cell.replace(" ", "")


def _is_header_repeat(row: list[str], header: list[str]) -> bool:
    if not row or _norm(row[0]) != _norm(header[0]):
        return False
    filled = [i for i, c in enumerate(header) if c]
    same = sum(1 for i in filled if i < len(row) and _norm(row[i]) == _norm(header[i]))
    return same >= _REPEAT_SHARE * len(filled) and sum(1 for c in row if c) <= len(filled)


def _title(lines: Sequence[str], first: int, floor: int, clean: LineCleaner) -> str | None:
    seen = 0
    n = first - 1
    while n >= floor and seen < _TITLE_LOOKBACK:
        raw = lines[n - 1]
        n -= 1
        if _is_blank(raw):
            continue
        if "\t" in raw:
            return None  # the previous table
        seen += 1
        text = clean(raw)
        if not text:
            continue
        if _LABEL.match(text) and not text.startswith("附件"):
            continue  # a label above the table (单位：万元), look further up
        if len(text) > _MAX_TITLE or text.endswith(("。", "；", "，")) or " " in text:
            return None  # prose or a roster entry: the table has no title of its own
        return text
    return None


def extract_tables(lines: Sequence[str], start: int, end: int, clean: LineCleaner | None = None) -> list[Table]:
    """Tables in 1-based inclusive lines ``start..end`` of ``lines`` (the whole issue split on ``\\n``).

    A table is a block of lines holding tabs (isolated blank lines inside are allowed). The first
    row whose cells are mostly filled is the header; rows above it (a section row such as
    ``(一)智慧交通提升工程``) are kept as the first data rows. Header rows repeated after page breaks
    and rows without any letter, digit or Chinese character (``· · ·`` leaders) are dropped. Every
    row is padded with ``""`` to the table's width; cells are cleaned like body text (with the
    parse's shared :class:`~gongbao.normalize.LineCleaner` ``clean``, if given).
    """
    clean = clean or LineCleaner()
    start = max(start, 1)
    end = min(end, len(lines))
    tables: list[Table] = []
    for first, last in _runs(lines, start, end):
        rows = [_cells(lines[n - 1], clean) for n in range(first, last + 1) if _is_row(lines[n - 1])]
        rows = [r for r in rows if _HAS_WORD.search("".join(r))]
        if not rows:
            continue
        width = max(len(r) for r in rows)
        header_at = next(
            (i for i, r in enumerate(rows)
             if sum(1 for c in r if c) >= max(2, _HEADER_SHARE * width)),
            0,
        )
        header = rows[header_at]
        body = rows[:header_at] + [r for r in rows[header_at + 1:] if not _is_header_repeat(r, header)]
        if width < 2 or not body:
            continue  # one column, or one row: a stray tab, not a table
        tables.append(Table(
            header=header + [""] * (width - len(header)),
            rows=[r + [""] * (width - len(r)) for r in body],
            start_line=first,
            end_line=last,
            title=_title(lines, first, start, clean),
        ))
    return tables
