"""Prefilters of the task, table and validity extractors change no result.

- ``tasks._clean`` calls ``strip_markup`` only on lines holding one of ``-#*+>•<``;
  ``ref_clean`` is ``_clean`` at d914d14 (strip_markup on every line holding markup or whitespace).
- ``tasks._header`` rejects a row none of whose keys is in ``_HEAD_NAMES`` before trying the
  column patterns: ``_HEAD_NAMES`` must be exactly the keys ``_COL_LEAD`` or ``_COL_RESP`` match.
- ``validity._sentences`` yields only sentences holding a ``_HINT``: every match of the patterns
  ``validity.fill`` acts on holds one; it cuts sentences with ``_SENTENCE.findall``, the non-empty
  pieces of ``_SENTENCE_SPLIT.split``.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SAMPLES
from gongbao.extract import tables as Tb
from gongbao.extract import tasks as T
from gongbao.extract import validity as V
from gongbao.segment.lines import strip_markup

SAMPLE_LINES = sorted({
    line for path in sorted(SAMPLES.glob("*.txt")) for line in path.read_text("utf-8").split("\n") if line.strip()
})


def ref_clean(line: str) -> str:
    if T._MARKUP_CHARS.search(line) is None:
        return line.strip()
    text = strip_markup(line)
    text = T._WS_CJK.sub("", text)
    return " ".join(text.split())


def test_clean_matches_reference_on_sample_lines_and_cells() -> None:
    texts = SAMPLE_LINES + [cell for line in SAMPLE_LINES for cell in line.split("\t")]
    assert [T._clean(t) for t in texts] == [ref_clean(t) for t in texts]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=" \t\u3000-#*+>•<_/a市局（）、。**<p>", max_size=20))
def test_clean_matches_reference_on_markup(text: str) -> None:
    assert T._clean(text) == ref_clean(text)


def _literals(pattern: re.Pattern[str]) -> set[str]:
    inner = pattern.pattern.removeprefix("^(?:").removesuffix(")$")
    assert re.fullmatch(r"[\u4e00-\u9fff|]+", inner), "a pattern of plain alternatives"
    return set(inner.split("|"))


def test_head_names_are_the_lead_and_responsible_columns() -> None:
    assert _literals(T._COL_LEAD) | _literals(T._COL_RESP) == T._HEAD_NAMES
    keys = {"".join(c.split()) for line in SAMPLE_LINES if "\t" in line for c in T._cells(line)}
    for key in keys | T._HEAD_NAMES:
        assert (key in T._HEAD_NAMES) == bool(T._COL_LEAD.match(key) or T._COL_RESP.match(key)), key


def test_every_validity_clause_holds_a_hint() -> None:
    hint = V._HINT.search
    sentences = [s for line in SAMPLE_LINES for s in V._SENTENCE_SPLIT.split(V._SPACE.sub("", line)) if s]
    for s in sentences:
        found = [V._EFFECTIVE_RE.search(s), V._VALIDITY_RE.search(s), V._UNTIL_RE.search(s), V._REPEAL_RE.search(s)]
        if any(found):
            assert hint(s), s
    for verb in V._REPEAL_RE.pattern.split("|"):
        assert hint(verb), verb
    for verb in ("施行", "实施", "执行", "生效", "实行"):
        assert hint(verb)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="。；;自本办法施行至 a", max_size=30))
def test_sentence_findall_is_the_split(text: str) -> None:
    assert V._SENTENCE.findall(text) == [s for s in V._SENTENCE_SPLIT.split(text) if s]


def test_sentence_findall_is_the_split_on_sample_lines() -> None:
    for line in SAMPLE_LINES:
        text = V._SPACE.sub("", line)
        assert V._SENTENCE.findall(text) == [s for s in V._SENTENCE_SPLIT.split(text) if s]


def ref_runs(lines: list[str], start: int, end: int) -> list[tuple[int, int]]:
    """tables._runs at d914d14, verbatim."""
    runs: list[tuple[int, int]] = []
    n = start
    while n <= end:
        if not Tb._is_row(lines[n - 1]):
            n += 1
            continue
        first = last = n
        k = n + 1
        while k <= end:
            if Tb._is_row(lines[k - 1]):
                last = k
                k += 1
                continue
            gap = k
            while gap <= end and Tb._is_blank(lines[gap - 1]) and gap - k < Tb._MAX_BLANKS_INSIDE:
                gap += 1
            if gap > k and gap <= end and Tb._is_row(lines[gap - 1]):
                k = gap
                continue
            break
        runs.append((first, last))
        n = last + 1
    return runs


def test_runs_match_reference_on_samples() -> None:
    for path in sorted(SAMPLES.glob("*.txt")):
        lines = path.read_text("utf-8").split("\n")
        for start, end in [(1, len(lines)), (2, len(lines) - 1), (len(lines) // 3, len(lines) // 2)]:
            assert Tb._runs(lines, start, end) == ref_runs(lines, start, end)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(["", " ", "\t", " \t ", "a\tb", "\tx", "文字", "x"]), max_size=20),
       st.integers(1, 21), st.integers(0, 21))
def test_runs_match_reference(lines: list[str], start: int, end: int) -> None:
    end = min(end, len(lines))
    assert Tb._runs(lines, start, end) == ref_runs(lines, start, end)


# tasks._table_tasks at 157af95 (every line walked, a counter of non-blank lines since the last tab
# line), verbatim but for the module prefix.
def ref_table_tasks(lines: list[str], first: int, last: int, signed: str | None,
                 city: str | None) -> list[T.Task]:
    tasks: list[T.Task] = []
    header: T._Header | None = None
    gap = 0
    for n in range(first, last + 1):
        raw = lines[n - 1]
        if "\t" not in raw:
            if raw.strip():
                gap += 1
                if gap > 1:
                    header = None
            continue
        gap = 0
        may_head = "单位" in raw or "部门" in raw or "主体" in raw
        if header is None and not may_head:
            continue  # neither a header nor a row under one: the cells are not needed
        cells = T._cells(raw)
        found = T._header(cells) if may_head else None
        if found is not None:
            header = found
            continue
        if header is None:
            continue
        while len(cells) > header.width and not cells[-1]:
            cells.pop()
        if len(cells) > header.width:
            cells = cells[len(cells) - header.width:]
        elif len(cells) < header.width:
            cells = [""] * (header.width - len(cells)) + cells

        def cell(i: int | None, row: list[str] = cells) -> str:
            return row[i] if i is not None and i < len(row) else ""

        lead_raw = T.split_units(cell(header.lead))
        resp_raw = T.split_units(cell(header.resp))
        support_raw = T.split_units(cell(header.support))
        if not (lead_raw or resp_raw):
            continue
        named = lead_raw + resp_raw
        if sum(1 for u in named if T.looks_like_unit(u)) * 2 < len(named):
            continue
        if lead_raw:
            lead_names, support_names = lead_raw, resp_raw + support_raw
        else:
            lead_names, support_names = resp_raw, support_raw
        lead = T._normalize(lead_names, city)
        support = [u for u in T._normalize(support_names, city) if u not in lead]
        text = cell(header.text) or max(cells, key=len)
        label = cell(header.label) or None
        phrase = cell(header.deadline)
        deadline = T.parse_deadline(phrase, signed) if phrase else None
        tasks.append(T.Task(
            text=text, line=n, end_line=n, label=label if label and label.isdigit() else None,
            lead_units=lead, support_units=support,
            units_raw="；".join(x for x in (cell(header.lead), cell(header.resp), cell(header.support)) if x),
            deadline=deadline.date if deadline else None,
            deadline_text=deadline.text if deadline else None,
            deadline_kind=deadline.kind if deadline else None,
        ))
    return tasks



def test_table_tasks_match_reference_on_samples() -> None:
    for path in sorted(SAMPLES.glob("*.txt")):
        lines = path.read_text("utf-8").split("\n")
        for first, last in [(1, len(lines)), (len(lines) // 4, len(lines) // 2), (len(lines) // 2, len(lines))]:
            for signed in (None, "2020-07-28"):
                assert T._table_tasks(lines, first, last, signed, None) == ref_table_tasks(lines, first, last, signed, None)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["", " ", "文字", "说明", "序号\t工作任务\t责任单位\t完成时限", "1\t做好工作\t市发改委\t2021年底前",
                                 "2\t推进项目\t市商务局、市财政局\t长期坚持", "\t\t", "单位：万元"]), max_size=16))
def test_table_tasks_match_reference(lines: list[str]) -> None:
    assert T._table_tasks(lines, 1, len(lines), "2020-07-28", None) == ref_table_tasks(lines, 1, len(lines), "2020-07-28", None)
