"""tables: tab-separated blocks rebuilt as header + rows, on the tables of the samples.

``SZ20`` shuozhou-2020-03, ``SZ21`` shuozhou-2021-04, ``YQ20`` yangquan-2020-04; line numbers are
those of the sample files.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongbao.extract.tables import extract_tables
from gongbao.models import Table

SZ20, SZ21, YQ20 = "shuozhou-2020-03", "shuozhou-2021-04", "yangquan-2020-04"


@cache
def sample_lines(name: str) -> tuple[str, ...]:
    text = resources.files("gongbao").joinpath(f"data/samples/{name}.txt").read_text("utf-8")
    return tuple(text.split("\n"))


def one_table(name: str, start: int, end: int) -> Table:
    tables = extract_tables(sample_lines(name), start, end)
    assert len(tables) == 1, tables
    return tables[0]


def test_sz20_41_attachment_2() -> None:
    # SZ20:1944-1955 附件2: header, six 地市 rows and the 合计 row
    t = one_table(SZ20, 1944, 1955)
    assert t.header == ["地市", "增设信号灯的路口（个）", "增设减速带的路口（个）"]
    assert t.title == '2020年公安交管部门与交通运输部门农村公路平交路口"一灯一带"建设任务分配表'
    assert [r[0] for r in t.rows] == ["朔城", "平鲁", "怀仁", "山阴", "应县", "右玉", "合计"]
    assert t.rows[1] == ["平鲁", "24", "20"]
    assert (t.start_line, t.end_line) == (1948, 1955)
    # the totals agree with the rows and with the body text (SZ20:1886: 65个 / 120个)
    assert sum(int(r[1]) for r in t.rows[:-1]) == int(t.rows[-1][1]) == 65
    assert sum(int(r[2]) for r in t.rows[:-1]) == int(t.rows[-1][2]) == 120
    assert t.to_csv().splitlines()[0] == "地市,增设信号灯的路口（个）,增设减速带的路口（个）"


def test_sz20_41_attachment_1_repeated_headers_and_merged_cells() -> None:
    # SZ20:1868-1942 附件1 任务清单: eight 工程 each with a section row and a repeated header
    t = one_table(SZ20, 1862, 1943)
    assert t.title == '朔州市2020年预防道路交通事故"减量控大"任务清单'
    assert t.header == ["序号", "任务目标", "工作内容", "责任单位", "配合单位", "完成进度要求"]
    assert all(len(r) == 6 for r in t.rows)
    # the first section row (SZ20:1870) comes before the header and is kept as the first row
    assert t.rows[0] == ["", "（一）智慧交通提升工程", "", "", "", ""]
    # the seven later header repeats (one of them printed as 完成进度 only, SZ20:1899) are gone
    assert not any(r[0] == "序号" for r in t.rows)
    # merged 序号/任务目标 cells stay empty (SZ20:1880)
    assert ["", "严格驾驶人准入制度"] == t.rows[[r[1] for r in t.rows].index("严格驾驶人准入制度")][:2]
    # the dotted-leader row (SZ20:1885) is dropped; HTML residue (SZ20:1879, 1922) is removed
    assert not any(set("".join(r)) <= set("·_ ") for r in t.rows)
    assert not any("<" in c or ">" in c for r in t.rows for c in r)
    assert "5 F" in [r[0] for r in t.rows]
    # 序号 1-26 all appear (with the duplicates 8 and 14 the report mentions)
    numbers = [int(r[0]) for r in t.rows if r[0].isdigit()]
    assert set(range(1, 27)) - {5} <= set(numbers)
    assert numbers.count(8) == 2 and numbers.count(14) == 2


def test_sz21_27_repeated_headers_dropped() -> None:
    # SZ21:223-249 附件2: an 8-column table whose header is repeated at 230, 235, 239 and 246
    t = one_table(SZ21, 223, 249)
    assert t.title == "市政府承接省政府下放管理层级的行政审批事项目录"
    assert t.header == ["序号", "事项名称", "权力类型", "设定依据", "原审批部门", "下放后审批部门", "加强事中事后监管措施", "备注"]
    assert [r[0] for r in t.rows] == [str(n) for n in range(1, 15)]
    assert all(len(r) == 8 for r in t.rows)


def test_sz21_two_row_header_and_merged_cells() -> None:
    # SZ21:1167-1173 分年度任务(亿元) over 2021年/2022年: the second header row is kept as a row
    t = one_table(SZ21, 1165, 1174)
    assert t.title == "一、朔州市综合交通枢纽重点建设项目"
    assert len(t.header) == 11 and t.header[7] == "分年度任务（亿元）" and t.header[8] == ""
    assert t.rows[0][7:9] == ["2021年", "2022年"]
    assert t.rows[1][:2] == ["1★", "朔州机场"]
    # SZ21:485-490 a row-span flattened to empty cells
    t = one_table(SZ21, 481, 491)
    assert t.header == ["年份", "县（市、区）", "镇", "任务类型"]
    assert t.rows[2] == ["", "", "元堡子镇", ""]


def test_sz21_html_in_cells() -> None:
    # SZ21:1600-1609 a form with checkboxes and <p> paragraphs
    t = one_table(SZ21, 1600, 1610)
    cells = [c for r in [t.header, *t.rows] for c in r]
    assert "□资产确权□规划□环评□环评□能评□备案核准□验收" in cells
    assert "手续办理请具体描述当前情况、是否符合政策、或需政府协调的事项。" in cells
    assert not any("<" in c for c in cells)


def test_yq20_73_title_skips_unit_line_and_totals_add_up() -> None:
    # YQ20:1769-1781: title, 单位：万平方米, header, 7 rows and 合计
    t = one_table(YQ20, 1767, 1782)
    assert t.title == "2020年各县（区）既有建筑能效提升工程任务表"
    assert t.header[0] == "县区（单位）" and len(t.header) == 4
    assert t.rows[0] == ["平定县", "53.9", "", "53.9"]
    total = t.rows[-1]
    assert total[0] == "合计"
    rows = t.rows[:-1]
    for col in (1, 2, 3):
        assert sum(Decimal(r[col] or "0") for r in rows) == Decimal(total[col])
    assert Decimal(total[2]) + Decimal(total[3]) == Decimal(total[1])


@pytest.mark.parametrize(("name", "count"), [(SZ20, 3), (SZ21, 22), (YQ20, 12)])
def test_whole_samples(name: str, count: int) -> None:
    lines = sample_lines(name)
    tables = extract_tables(lines, 1, len(lines))
    # every table of the defect reports is found (the TOC blocks included: filtering them is the
    # caller's business); rosters and forms count as tables too
    assert len(tables) == count
    prev_end = 0
    for t in tables:
        width = len(t.header)
        assert width >= 2 and t.rows
        assert all(len(r) == width for r in t.rows)
        assert prev_end < t.start_line <= t.end_line
        assert all("\t" in lines[n - 1] or not lines[n - 1].strip() for n in range(t.start_line, t.end_line + 1))
        assert all(c == c.strip() and "\t" not in c for r in [t.header, *t.rows] for c in r)
        prev_end = t.end_line


def test_block_rules() -> None:
    lines = [
        "标题表",          # 1
        "a\tb\tc",          # 2 header
        "",                 # 3 isolated blank: same table
        "1\t2\t3",          # 4
        "",                 # 5
        "",                 # 6
        "",                 # 7 three blanks: the table ends
        "x\ty",             # 8 a lone row is not a table
        "正文。",           # 9
        "单行\t",           # 10 one column is not a table
        "单行二\t",         # 11
    ]
    tables = extract_tables(lines, 1, len(lines))
    assert [(t.title, t.header, t.rows, t.start_line, t.end_line) for t in tables] == [
        ("标题表", ["a", "b", "c"], [["1", "2", "3"]], 2, 4)
    ]
    # the span is respected: the title line is outside it
    assert extract_tables(lines, 2, 4)[0].title is None
    assert extract_tables(lines, 5, 9) == []
    assert extract_tables([], 1, 5) == []


_CELLS = st.sampled_from(["", "", "序号", "名称", "1", "2", "合计", "<p>x</p>", "· ·", "(一)工程", " ", "**"])
_ROWS = st.lists(_CELLS, min_size=1, max_size=6).map("\t".join)


@settings(max_examples=300)
@given(st.lists(_ROWS | st.sampled_from(["", "", "标题", "正文。"]), max_size=30), st.integers(0, 32), st.integers(0, 32))
def test_table_invariants(lines: list[str], start: int, end: int) -> None:
    for t in extract_tables(lines, start, end):
        assert max(start, 1) <= t.start_line <= t.end_line <= min(end, len(lines))
        assert len(t.header) >= 2 and t.rows
        assert all(len(r) == len(t.header) for r in t.rows)
        assert t.to_csv().count("\n") >= 1 + len(t.rows)
