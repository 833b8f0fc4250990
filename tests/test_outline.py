"""outline: heading markers, the heading tree and numbering warnings, on the samples.

Document spans are those of the defect reports (``SZ20`` shuozhou-2020-03, ``SZ21``
shuozhou-2021-04, ``YQ20`` yangquan-2020-04).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongbao.extract.body import clean_paragraphs
from gongbao.extract.outline import build_outline, cn_number, match_marker
from gongbao.models import Heading, Paragraph, ParseWarning

SZ20, SZ21, YQ20 = "shuozhou-2020-03", "shuozhou-2021-04", "yangquan-2020-04"


@cache
def sample_lines(name: str) -> tuple[str, ...]:
    text = resources.files("gongbao").joinpath(f"data/samples/{name}.txt").read_text("utf-8")
    return tuple(text.split("\n"))


def outline_of(name: str, start: int, end: int) -> tuple[list[Heading], list[ParseWarning]]:
    return build_outline(clean_paragraphs(sample_lines(name), start, end))


def walk(headings: list[Heading]) -> Iterator[Heading]:
    for h in headings:
        yield h
        yield from walk(h.children)


def paras(*texts: str) -> list[Paragraph]:
    return [Paragraph(t, n, n) for n, t in enumerate(texts, 1)]


CN_NUMBERS = [
    ("一", 1), ("十", 10), ("十一", 11), ("二十", 20), ("三十二", 32), ("四十四", 44), ("九十九", 99),
    ("一百", 100), ("百", 100), ("一百零五", 105), ("二百三十", 230), ("两", 2), ("〇", 0), ("12", 12),
    ("二二", None), ("十十", None), ("百十百", None), ("", None), ("第", None), ("1a", None), ("三X", None),
]


@pytest.mark.parametrize(("text", "value"), CN_NUMBERS)
def test_cn_number(text: str, value: int | None) -> None:
    assert cn_number(text) == value


# (cleaned paragraph start, kind, number, label, heading text) - sources cited per line
MARKERS = [
    # SZ20:326, SZ20:440
    ("第一章 总则", "chapter", 1, "第一章", "总则"),
    ("第六章 附则", "chapter", 6, "第六章", "附则"),
    # SZ20:446
    ("第三十二条 本办法自公布之日起三十日后施行。", "article", 32, "第三十二条", "本办法自公布之日起三十日后施行"),
    # SZ20:719
    ("第五条 行政审批专家应具备以下条件：", "article", 5, "第五条", "行政审批专家应具备以下条件"),
    ("第二节 一般规定", "section", 2, "第二节", "一般规定"),
    ("第一编 总则", "part", 1, "第一编", "总则"),
    ("第12条 本办法", "article", 12, "第12条", "本办法"),
    # SZ20:94
    ("四、强化政策促进", "cn_item", 4, "四、", "强化政策促进"),
    # SZ21:88
    ("（二）主要目标。", "paren_cn", 2, "（二）", "主要目标"),
    # SZ21:114 (after cleaning)
    ("（八）积极推进首台（套）重大技术装备示范应用。积极宣传", "paren_cn", 8, "（八）", "积极推进首台（套）重大技术装备示范应用"),
    ("(十一)加强", "paren_cn", 11, "（十一）", "加强"),
    # SZ20:1145 "2.强化…" without a space, YQ20:1575 "1. 全面落实…"
    ("2.强化城乡结合部整治。", "arabic", 2, "2.", "强化城乡结合部整治"),
    ("1. 全面落实产假。", "arabic", 1, "1.", "全面落实产假"),
    ("3．加强管理", "arabic", 3, "3.", "加强管理"),
    ("5、市城管局", "arabic", 5, "5.", "市城管局"),
    # SZ20:211 / YQ20:2094 (cleaned)
    ("(1)原建设单位存在的，", "paren_arabic", 1, "（1）", "原建设单位存在的"),
    ("（2）定位监控", "paren_arabic", 2, "（2）", "定位监控"),
    # YQ20:3810
    ("①序号", "circled", 1, "①", "序号"),
    ("⑧数据资源开放", "circled", 8, "⑧", "数据资源开放"),
    # YQ20:2300, 2302, 2382 (after cleaning)
    ("1 总则", "decimal", 1, "1", "总则"),
    ("1.1 编制目的", "decimal", 1, "1.1", "编制目的"),
    ("3.3分析研判", "decimal", 3, "3.3", "分析研判"),
    ("3.4.1 Ⅳ级响应", "decimal", 1, "3.4.1", "Ⅳ级响应"),
]


@pytest.mark.parametrize(("text", "kind", "number", "label", "heading"), MARKERS)
def test_markers(text: str, kind: str, number: int, label: str, heading: str) -> None:
    marker = match_marker(text)
    assert marker is not None
    assert (marker.kind, marker.number, marker.label) == (kind, number, label)
    [h], _ = build_outline([Paragraph(text, 7, 7)])
    assert (h.kind, h.number, h.label, h.text, h.line, h.level) == (kind, number, label, heading, 7, 1)


NOT_MARKERS = [
    "1.5亿元用于…",  # amounts
    "0.5分",
    "2020.",  # a year
    "2020年8月13日",  # SZ20:146 a date
    "2020.8.1前完成",
    "30日内完成",  # YQ20:169 a number at the start of running text
    "1 个工作日内",
    "10个工作日内",
    "第三条规定的材料",  # a reference, not a heading
    "第722号",
    "PM2.5浓度",
    "一是统筹兼顾。",  # YQ20:1755 prose ordinals are not headings
    "附件：1. 朔州市任务清单",
    "1 我市在去年完成了大量工作，成效显著。",  # a long sentence after a bare number
    "2.0版系统",
]


@pytest.mark.parametrize("text", NOT_MARKERS)
def test_not_markers(text: str) -> None:
    assert match_marker(text) is None


def test_decimal_headings_nest_by_depth() -> None:
    # YQ20 阳政办发〔2020〕79号 气象灾害应急预案 (lines 2285-2514)
    outline, warnings = outline_of(YQ20, 2298, 2514)
    assert warnings == []
    labels = [h.label for h in outline]
    assert labels[:5] == ["1", "2", "3", "4", "5"]
    three = outline[2]
    assert [c.label for c in three.children] == ["3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8"]
    assert [c.label for c in three.children[3].children] == ["3.4.1", "3.4.2", "3.4.3", "3.4.4"]
    assert three.children[3].children[2].text == "II级响应"
    assert all(c.level == 3 for c in three.children[3].children)


def test_sz20_28_measures_six_chapters_thirty_two_articles() -> None:
    # SZ20 朔政办发〔2020〕28号 (lines 312-447): 管理办法 L324, 第一章-第六章, 第一条-第三十二条
    outline, warnings = outline_of(SZ20, 312, 447)
    assert warnings == []
    assert [h.label for h in outline] == ["第一章", "第二章", "第三章", "第四章", "第五章", "第六章"]
    assert [h.text for h in outline] == ["总则", "规划和审核", "建设和验收", "应用和评估", "管理和安全", "附则"]
    articles = [h for h in walk(outline) if h.kind == "article"]
    assert [a.number for a in articles] == list(range(1, 33))
    assert all(a.level == 2 for a in articles)
    # SZ20:362 第九条 was merged into 第八条's line and is split out again
    assert [a.line for a in articles if a.number in (8, 9)] == [360, 362]


def test_sz20_eight_enclosed_texts_restart_their_numbering() -> None:
    # SZ20 朔政办发〔2020〕30号 (lines 556-959) prints eight 制度; the defect report counts
    # 中介 21条, 事中事后 10条, 专用章 10条, 专家管理 6章23条, 专家评审 6章21条, 联合核验 10条, 审管联动 7条
    outline, warnings = outline_of(SZ20, 556, 959)
    assert warnings == []
    articles = [h for h in walk(outline) if h.kind == "article"]
    runs: list[int] = []
    for a in articles:
        if a.number == 1:
            runs.append(0)
        runs[-1] += 1
    assert runs == [21, 10, 10, 23, 21, 10, 7]
    chapters = [h for h in outline if h.kind == "chapter"]
    assert len(chapters) == 12
    assert all(h.kind in ("article", "chapter", "cn_item") for h in outline)  # chapters are never nested


def test_continuous_numbering_across_parents_is_legal() -> None:
    # SZ20 朔政发〔2020〕26号 (59-149): （一）-（三十） run through 一、-六、
    outline, warnings = outline_of(SZ20, 59, 149)
    assert warnings == []
    assert [h.label for h in outline] == ["一、", "二、", "三、", "四、", "五、", "六、"]
    assert [h.number for h in walk(outline) if h.kind == "paren_cn"] == list(range(1, 31))
    assert outline[1].children[0].label == "（四）"
    # SZ21 朔政发〔2021〕26号 (78-189): （一）-（二十七） through 一、-九、, mixed bracket widths
    outline, warnings = outline_of(SZ21, 78, 189)
    assert warnings == []
    assert len(outline) == 9
    assert [h.number for h in walk(outline) if h.kind == "paren_cn"] == list(range(1, 28))
    # SZ21 朔政办发〔2021〕39号 (1238-1358): 1.-31. through 一、-十、
    outline, warnings = outline_of(SZ21, 1238, 1358)
    assert warnings == []
    assert [h.number for h in walk(outline) if h.kind == "arabic"] == list(range(1, 32))


def test_restarting_numbering_is_legal() -> None:
    # YQ20 阳政办发〔2020〕82号 (2791-2954) restarts （一） under each 一、 and 1. under each （一）
    outline, warnings = outline_of(YQ20, 2791, 2954)
    assert [h.label for h in outline] == ["一、", "二、", "三、", "四、", "五、", "六、"]
    # ... but its duty list jumps from 5. to 7. (defect report: 2941-2943)
    assert [(w.code, w.line) for w in warnings] == [("numbering_gap", 2943)]


def test_reported_numbering_defects_are_flagged() -> None:
    # YQ20 阳政发〔2020〕8号 (840-1460): 第五条 jumps from (五) to (七) at 978-980
    _, warnings = outline_of(YQ20, 840, 1460)
    assert ("numbering_gap", 980) in [(w.code, w.line) for w in warnings]
    # YQ20 阳政发〔2020〕7号 (96-839): reading-order errors put 第十条 before 第八条 (752, 756)
    _, warnings = outline_of(YQ20, 96, 839)
    flagged = {w.line for w in warnings if w.code == "article_out_of_sequence"}
    assert {752, 756} <= flagged
    assert all(w.line is not None and 96 <= w.line <= 839 for w in warnings)


@pytest.mark.parametrize("name", [SZ20, SZ21])
def test_clean_samples_have_no_numbering_warnings(name: str) -> None:
    # the defect reports find no numbering defect in the two shuozhou issues
    lines = sample_lines(name)
    _, warnings = build_outline(clean_paragraphs(lines, 1, len(lines)))
    assert [w for w in warnings if w.code != "numbering_gap" or "不从1开始" not in w.message] == []


def test_levels_follow_first_appearance() -> None:
    # a document may use （一） at the top and 1. below it
    outline, warnings = build_outline(paras("（一）总体要求", "1.目标。", "2.原则。", "（二）主要任务", "1.任务。"))
    assert warnings == []
    assert [(h.label, [c.label for c in h.children]) for h in outline] == [("（一）", ["1.", "2."]), ("（二）", ["1."])]
    assert outline[0].children[0].level == 2
    # 第X条 stays above list items even when a list came first
    outline, _ = build_outline(paras("一、通知事项", "第一条 总则。", "（一）内容", "第二条 附则。"))
    assert [h.label for h in outline] == ["一、", "第一条", "第二条"]
    assert [c.label for c in outline[1].children] == ["（一）"]


def test_enclosed_title_starts_a_new_tree() -> None:
    outline, warnings = build_outline(paras(
        "一、总体要求", "二、主要任务", "朔州市行政审批专家管理办法（试行）", "第一章 总则", "第一条 为规范。",
    ))
    assert warnings == []
    assert [h.label for h in outline] == ["一、", "二、", "第一章"]


def test_attachment_lists_are_not_headings() -> None:
    # SZ21:1544-1548 "附件：1. … / 2. … / 3. …" after items 1.-6.
    outline, warnings = build_outline(paras(
        "1.第一项。", "2.第二项。", "附件：1. 市政府领导精准服务企业名单", "2. 企业问题征集表", "3. 服务企业台账",
    ))
    assert warnings == []
    assert [h.label for h in outline] == ["1.", "2."]


def test_warning_codes() -> None:
    _, warnings = build_outline(paras("第一条 甲。", "第二条 乙。", "第二条 丙。", "第五条 丁。"))
    assert [(w.code, w.line) for w in warnings] == [("article_out_of_sequence", 3), ("article_out_of_sequence", 4)]
    assert "重复" in warnings[0].message and "第五条" in warnings[1].message
    _, warnings = build_outline(paras("一、甲", "（一）子", "（二）子", "（二）子", "（五）子"))
    assert [(w.code, w.line) for w in warnings] == [("numbering_out_of_sequence", 4), ("numbering_gap", 5)]
    _, warnings = build_outline(paras("第一章 总则", "第三章 附则"))
    assert [w.code for w in warnings] == ["chapter_out_of_sequence"]


def test_tables_and_empty_input() -> None:
    assert build_outline([]) == ([], [])
    outline, _ = build_outline(paras("1\t建设全市道路交通", "（一）智慧交通提升工程\t\t"))
    assert outline == []


_PIECES = ["第一章 总则", "第二章 附则", "第一条 甲。", "第三条 乙。", "一、甲", "二、乙", "（一）子", "（三）子", "1.目", "2.目",
           "(1)细", "①点", "1 总则", "1.1 目的", "2.3.1 响应", "附件：1. 名单", "2. 表", "某某实施方案", "正文。", "1.5亿元", "\t"]


@settings(max_examples=300)
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=10), max_size=30))
def test_tree_invariants(texts: list[str]) -> None:
    paragraphs = paras(*texts)
    outline, warnings = build_outline(paragraphs)
    lines = {p.start_line for p in paragraphs}

    def check(headings: list[Heading], level: int) -> None:
        for h in headings:
            assert h.level == level and h.line in lines
            assert h.label and "\t" not in paragraphs[h.line - 1].text
            check(h.children, level + 1)

    check(outline, 1)
    flat = list(walk(outline))
    assert [h.line for h in flat] == sorted(h.line for h in flat)  # pre-order = document order
    assert all(w.line in {h.line for h in flat} for w in warnings)
