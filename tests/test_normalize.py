"""normalize: markup residue, OCR spaces and punctuation, on lines copied from the samples.

Each case cites its source as <sample>:<line>; ``SZ20`` = shuozhou-2020-03, ``SZ21`` =
shuozhou-2021-04, ``YQ20`` = yangquan-2020-04.
"""

from __future__ import annotations

import re
import unicodedata
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongbao import normalize
from gongbao.normalize import clean_inline, clean_line, join_cjk_spaces, normalize_punctuation, strip_markup
from gongbao.segment.lines import soft_key

SAMPLES = ["shuozhou-2020-03", "shuozhou-2021-04", "yangquan-2020-04"]
_LEAD_NUMBER = re.compile(r"^(?:第\S{1,6}?[编章节条]|\d+(?:\.\d+)*) ")
_CJK_SPACE_CJK = re.compile(r"[\u4e00-\u9fff] [\u4e00-\u9fff]")


def sample_lines(name: str) -> list[str]:
    return resources.files("gongbao").joinpath(f"data/samples/{name}.txt").read_text("utf-8").split("\n")


STRIP_MARKUP_CASES = [
    # SZ20:94, SZ20:106 - 一、 headings with arbitrary heading levels
    ("### 四、强化政策促进", "四、强化政策促进"),
    ("#### 五、强化要素保证", "五、强化要素保证"),
    # SZ20:326
    ("#### 第一章 总则", "第一章 总则"),
    # SZ20:719 - an article rendered as a heading
    ("### 第五条 行政审批专家应具备以下条件:", "第五条 行政审批专家应具备以下条件:"),
    # SZ20:446 - bold article marker
    ("**第三十二条** 本办法自公布之日起三十日后施 行。", "第三十二条 本办法自公布之日起三十日后施 行。"),
    # SZ20:564 - quote mark on a signature
    ("> 朔州市人民政府办公室 2020年7月29日", "朔州市人民政府办公室 2020年7月29日"),
    # SZ20:1865/1866 - bullet and indented bullet
    ("- 附件: 1. 朔州市 2020 年预防道路交通事故", "附件: 1. 朔州市 2020 年预防道路交通事故"),
    ("  - 2. 2020 年公安交管部门与交通运输部 门", "2. 2020 年公安交管部门与交通运输部 门"),
    # SZ20:999 - bullet-like list marker kept, bold dropped
    ("1. **充分协商。**", "1. 充分协商。"),
    # SZ20:1879 - <sub>
    ("5 <sub>F</sub>", "5 F"),
    # SZ20:1922 - <b>
    ("<b>(4)</b> 人 <b>(2)</b> 关", "(4) 人 (2) 关"),
    # SZ21:1608 - <p> paragraphs in a cell
    ("<p>手续办理请具体描述当前情况。</p>", "手续办理请具体描述当前情况。"),
    # SZ21:1606 - checkboxes become □ so the options stay apart
    ('<input type="checkbox"/> 资产确权 <input type="checkbox"/> 规划', "□ 资产确权 □ 规划"),
    # SZ21:228 - any tag
    ('<ol style="list-style-type: none">一、二</ol>', "一、二"),
    ("行一<br>行二<br/>行三", "行一 行二 行三"),
    # nothing to strip: dashes inside text, ranges, minus signs
    ("（2021-2022年）", "（2021-2022年）"),
    ("-5℃", "-5℃"),
    ("", ""),
]


@pytest.mark.parametrize(("line", "expected"), STRIP_MARKUP_CASES)
def test_strip_markup(line: str, expected: str) -> None:
    assert strip_markup(line) == expected


JOIN_CASES = [
    # SZ20:65 - line-wrap space inside a word
    ("为深入贯彻《国务院关于积极有效利用外资推 动经济高质量发展", "为深入贯彻《国务院关于积极有效利用外资推动经济高质量发展"),
    # SZ20:1127 - a wrap space in a short title
    ("朔州市城市市容环境集中整治百日攻坚 行动实施方案", "朔州市城市市容环境集中整治百日攻坚行动实施方案"),
    # YQ20:1461 - issuer / 关于 break in a title
    ("阳泉市人民政府 关于周培源等四人正式任职的通知", "阳泉市人民政府关于周培源等四人正式任职的通知"),
    # SZ20:158 - spaces in a date
    ("朔州市人民政府 2020 年 8 月 20 日", "朔州市人民政府2020年8月20日"),
    # SZ20:136
    ("世界 500 强", "世界500强"),
    # SZ20:1809
    ("6 月底前", "6月底前"),
    # SZ21:1664
    ("国务院令 第 722 号", "国务院令第722号"),
    # SZ21:267 - space before 号 in a 文号
    ("晋政办发〔2021〕43 号", "晋政办发〔2021〕43号"),
    # SZ20:1811 - Latin/number runs keep their inner structure
    ("S206 省道大忻线 (起点桩号 13KM+148M", "S206省道大忻线(起点桩号13KM+148M"),
    # Latin words keep their spaces
    ("Hong Kong and Macao", "Hong Kong and Macao"),
    ("ISO 9001 认证", "ISO 9001认证"),
    # YQ20:2300, 2302, 2382 - decimal section numbers keep one space before their title
    ("1 总则", "1 总则"),
    ("1.1 编制目的", "1.1 编制目的"),
    ("3.4.1 Ⅳ级响应", "3.4.1 Ⅳ级响应"),
    # ... but a number with a unit at the start is running text
    ("30 日内", "30日内"),
    ("1.5 亿元", "1.5亿元"),
    ("2020 年底前集中公布", "2020年底前集中公布"),
    # YQ20:111 - 第X章 keeps one space, the padding inside 总则 goes
    ("第一章 总 则", "第一章 总则"),
    # SZ20:1017-like rosters: name padding goes, the column space stays
    ("副组长:张 祥 市政府秘书长", "副组长:张祥 市政府秘书长"),
    ("王虎荣 市中级人民法院院长", "王虎荣 市中级人民法院院长"),
    ("组 长：刘 亮", "组长：刘亮"),
    # SZ21:251 - a long title line: every wrap space goes
    (
        "朔州市人民政府办公室 关于印发朔州市2021年政务公开工作要点的 通 知",
        "朔州市人民政府办公室关于印发朔州市2021年政务公开工作要点的通知",
    ),
    # full-width space
    ("朔州\u3000市", "朔州\u3000市"),  # only ASCII spaces are joined here; clean_inline folds U+3000 first
]


@pytest.mark.parametrize(("text", "expected"), JOIN_CASES)
def test_join_cjk_spaces(text: str, expected: str) -> None:
    assert join_cjk_spaces(text) == expected


PUNCT_CASES = [
    # SZ20:63
    ("各县(市、区)人民政府,朔州经济开发区管委会, 市直各单位:", "各县（市、区）人民政府，朔州经济开发区管委会， 市直各单位："),
    # SZ20:1229 - a time keeps its colon, a label gets a full-width one
    ("每周五15:00前,联系电话:8800819", "每周五15:00前，联系电话：8800819"),
    # SZ20:1085
    ("保险费为 30 元/人/年,其中", "保险费为 30 元/人/年，其中"),
    # SZ20:211, YQ20:2094 - (1) has no Chinese inside and stays ASCII
    ("(1) 原建设单位存在的,", "(1) 原建设单位存在的，"),
    # SZ20:1213 - a date range in brackets
    ("(2020年9月1日—9月5日)", "（2020年9月1日—9月5日）"),
    # nested brackets: SZ20:1109
    ("《关于认真做好城乡参保参合居民(职工) 意外伤害补充保险工作的通知》", "《关于认真做好城乡参保参合居民（职工） 意外伤害补充保险工作的通知》"),
    ("(市发改委(市粮食局)负责)", "（市发改委（市粮食局）负责）"),
    # SZ21:949/951 - a bracket opened on one page and closed on the next
    ("（责任单位：市促投局。完成时", "（责任单位：市促投局。完成时"),
    ("限：2021年12月31日)", "限：2021年12月31日）"),
    # YQ20:314, YQ20:1805 - English "and" between Chinese is 和
    ("建立重大行政决策过程记录 and 材料归档制度", "建立重大行政决策过程记录和材料归档制度"),
    ("竣工资料 and 能效测评报告", "竣工资料和能效测评报告"),
    ("Hong Kong and Macao", "Hong Kong and Macao"),
    # ASCII stays inside Latin/number runs
    ("GB50016-2014", "GB50016-2014"),
    ("1.5亿元", "1.5亿元"),
    ("a,b;c:d", "a,b;c:d"),
    ("(PM2.5)", "(PM2.5)"),
    ("是否?是!", "是否？是！"),
]


@pytest.mark.parametrize(("text", "expected"), PUNCT_CASES)
def test_normalize_punctuation(text: str, expected: str) -> None:
    assert normalize_punctuation(text) == expected


CLEAN_LINE_CASES = [
    # SZ20:63
    ("各县(市、区)人民政府,朔州经济开发区管委会, 市直各单位:", "各县（市、区）人民政府，朔州经济开发区管委会，市直各单位："),
    # SZ20:446
    ("**第三十二条** 本办法自公布之日起三十日后施 行。", "第三十二条 本办法自公布之日起三十日后施行。"),
    # SZ20:564
    ("> 朔州市人民政府办公室 2020年7月29日", "朔州市人民政府办公室2020年7月29日"),
    # SZ21:114 - half-width bracket with a space after the marker
    ("(八) 积极推进首台(套)重大技术装备示范应用。", "（八）积极推进首台（套）重大技术装备示范应用。"),
    # SZ20:944
    ("- (一)定期登录朔州市审管联动信息平台查阅 信息;", "（一）定期登录朔州市审管联动信息平台查阅信息；"),
    # SZ20:1866
    ("  - 2. 2020 年公安交管部门与交通运输部 门农村公路", "2. 2020年公安交管部门与交通运输部门农村公路"),
    # YQ20:21
    ("2020 年 8 月 31 日出版 (双月刊)", "2020年8月31日出版（双月刊）"),
    # YQ20:2094
    ("- (1) 定位监控、无线通信功能；", "(1)定位监控、无线通信功能；"),
    # YQ20:111
    ("第一章 总 则", "第一章 总则"),
    # SZ20:1749 - quotes are left as printed
    (
        '### 朔州市人民政府办公室 关于印发朔州市预防道路交通事故"减量控大"工作实施方案的通知',
        '朔州市人民政府办公室关于印发朔州市预防道路交通事故"减量控大"工作实施方案的通知',
    ),
    # SZ20:17, SZ20:1617 - short column-like lines keep their column spaces
    ("总编辑 高明道", "总编辑 高明道"),
    ("电价 气价 运输 劳动力 土地", "电价 气价 运输 劳动力 土地"),
    # full-width digits and letters fold to ASCII, U+3000 padding goes
    ("第１２条\u3000本办法由ＡＢＣ负责", "第12条 本办法由ABC负责"),
    # zero-width characters and a stray BOM vanish
    ("\ufeff朔州\u200b市", "朔州市"),
    ("   ", ""),
]


@pytest.mark.parametrize(("line", "expected"), CLEAN_LINE_CASES)
def test_clean_line(line: str, expected: str) -> None:
    assert clean_line(line) == expected


def test_clean_inline_keeps_markup_like_text() -> None:
    # a table cell "- " means "none"; clean_inline does not treat it as a bullet
    assert clean_inline("-") == "-"
    assert clean_inline("增设信号灯的路口(个)") == "增设信号灯的路口（个）"


@pytest.mark.parametrize("name", SAMPLES)
def test_whole_samples_clean_and_idempotent(name: str) -> None:
    lines = sample_lines(name)
    cleaned = [clean_line(line) for line in lines]
    assert [clean_line(c) for c in cleaned] == cleaned
    text = "\n".join(c for line, c in zip(lines, cleaned, strict=True) if "\t" not in line)
    # the OCR defects named in the defect reports are gone from prose lines
    for residue in ("**", "<p>", "</p>", "<sub>", "<b>", " and "):
        assert residue not in text, residue
    assert not any(c.startswith(("#", "- ", "> ")) for c in cleaned)
    # no space is left between two Chinese characters except after a section number
    # (第一条 为…, 1.1 编制目的) and in short column-like lines (rosters)
    body = [_LEAD_NUMBER.sub("", c) for c in cleaned if len(c) > 24]
    assert [c for c in body if _CJK_SPACE_CJK.search(c)] == []


# --- properties ------------------------------------------------------------------------------------

_PIECES = list("中文第一二条章十年月日 　\t,;:?!()（）、。，.#-*><_and1234５ｂ\u200b\"“”Ⅳ①□") + [
    "and", "<b>", "</b>", "<p>", "**", "### ", "- ", "> ", '<input type="checkbox"/>', "第三条 ", "1.1 ", "  ",
]
messy_text = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join) | st.text(max_size=60)


@settings(max_examples=600)
@given(messy_text)
def test_clean_line_is_idempotent(text: str) -> None:
    once = clean_line(text)
    assert clean_line(once) == once


@settings(max_examples=600)
@given(messy_text)
def test_clean_inline_and_parts_are_idempotent(text: str) -> None:
    once = clean_inline(text)
    assert clean_inline(once) == once
    stripped = strip_markup(text)
    assert strip_markup(stripped) == stripped
    punct = normalize_punctuation(text)
    assert normalize_punctuation(punct) == punct


@settings(max_examples=600)
@given(messy_text)
def test_join_cjk_spaces_only_removes_spaces(text: str) -> None:
    joined = join_cjk_spaces(text)
    assert joined.replace(" ", "") == text.replace(" ", "")
    assert join_cjk_spaces(joined) == joined


def test_columns_false_joins_wrapped_cell_text() -> None:
    # SZ20:1871 header cell "完成进度 要求", SZ21:1231 "配合 单位": wrapped cell text, not columns
    assert clean_line("完成进度 要求") == "完成进度 要求"
    assert clean_line("完成进度 要求", columns=False) == "完成进度要求"
    assert clean_line("配合 单位", columns=False) == "配合单位"
    assert clean_inline("右玉 生态文化旅游示范区党工委 副书记", columns=False) == "右玉生态文化旅游示范区党工委副书记"


def test_form_blanks_survive() -> None:
    # YQ20:3741 "项目单位: _____" - underscores are a blank to fill in, not Markdown
    assert clean_line("项目单位: _____") == "项目单位：_____"
    assert clean_line("中 __") == clean_line(clean_line("中 __"))


# The scanning patterns open with the first character of a match and check the character before
# it in a lookbehind (a speed measure); they must find exactly what the plain lookbehind-first
# formulations find. Strings mix the characters the rules care about.
_REFERENCE_JOIN = re.compile(rf"(?<=[{normalize.CJK}]) +(?=[{normalize.CJK}!-~])|(?<=[!-~]) +(?=[{normalize.CJK}])")
_REFERENCE_CLOSE = re.compile(rf"(?<=[{normalize.IDEO}])( *)\)")
_REFERENCE_AFTER = re.compile(rf"(?<=[{normalize.CJK}])( *)({normalize._PUNCT_RUN})")


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="中，a1 ,;:?!()（）\u3000-。𠀀", max_size=16))
def test_fast_patterns_match_their_reference_formulations(text: str) -> None:
    assert normalize._JOIN.sub("", text) == _REFERENCE_JOIN.sub("", text)
    assert normalize._LONE_CLOSE.sub(normalize._close, text) == _REFERENCE_CLOSE.sub(r"\1）", text)
    assert normalize._PUNCT_AFTER.sub(normalize._full, text) == _REFERENCE_AFTER.sub(normalize._full, text)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="中文a1 \t\u3000#>-*+•<p/>()（,;:?!andＡ１\u200b。", max_size=14), st.booleans())
def test_clean_line_fast_path_changes_nothing_the_full_path_would(text: str, columns: bool) -> None:
    full = normalize._clean(strip_markup(normalize._translate(text)), columns)
    assert clean_line(text, columns=columns) == full


def _reference_soft_key(text: str) -> str:
    s = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in s if not ch.isspace() and not unicodedata.category(ch).startswith(("P", "S")))


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=30))
def test_soft_key_drops_exactly_spaces_punctuation_and_symbols(text: str) -> None:
    assert soft_key(text) == _reference_soft_key(text)


def test_soft_key_on_every_bmp_character_and_beyond() -> None:
    # the fast path's character class is built from the BMP; text with astral characters (𠀀, 🈶,
    # a math alphanumeric) takes the per-character path
    for cp in range(0x10000):
        text = f"甲{chr(cp)}乙"
        assert soft_key(text) == _reference_soft_key(text), hex(cp)
    for text in ("文\U00020000号", "\U0001F236：通知", "𝐀 B，c"):
        assert soft_key(text) == _reference_soft_key(text)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="中文a1 \t\u3000\n#>-*+•<b/p>_()（,。**", max_size=16) | messy_text)
def test_compact_fast_path_equals_stripping_markup(text: str) -> None:
    # compact() skips strip_markup on lines without any markup character; the result must be what
    # stripping first would give.
    from gongbao.segment.lines import compact

    assert compact(text) == "".join(strip_markup(text).split())
