"""Department-name normalization, groups and list splitting (extract/units.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongbao.extract.units import (
    ALIASES,
    is_group,
    normalize_unit,
    resolve_unit,
    split_units,
    unresolved_units,
)

# Printed forms that name the same body (sample, line where the form is printed).
SAME_BODY = [
    ("市发改委", "市发展改革委", "市发展和改革委员会", "市发展改革局"),  # sz20 L69, yq L2549, sz20 L1882
    ("市审批局", "市行政审批局", "市行政审批服务管理局", "市审批服务管理局", "市行政审批管理局"),  # sz21 L339, sz20 L69, yq L2543, yq L1695
    ("市工信局", "市工业和信息化局", "市工信局(国资委)"),  # yq L3163
    ("市市场监管局", "市市场监督管理局"),  # yq L3168
    ("市交通局", "市交通运输局"),  # yq L1581
    ("市住建局", "市住房和城乡建设局", "市住房城乡建设局", "市城乡和住房建设局"),  # sz21 L1391
    ("市卫健委", "市卫生健康委员会", "市卫生健康委"),
    ("市文旅局", "市文化和旅游局"),  # yq L1953
    ("市规自局", "市规划和自然资源局", "市规划和自然资源局〔市林业局〕"),
    ("市城管局", "市城市管理局"),  # yq L2589
    ("市委编办", "市编办", "市委机构编制委员会办公室"),  # yq L1607, L1659
    ("市人社局", "市人力资源和社会保障局"),  # sz20 L134
    ("市银保监分局", "朔州银保监分局", "阳泉银保监局", "阳泉市银保监局", "中国银保监会朔州监管分局"),  # yq L2603, L2669
    ("人行朔州中心支行", "人行朔州市中心支行", "中国人民银行朔州市中心支行", "人行阳泉中心支行"),
    ("市金融办", "市政府金融办"),  # sz21 L999
    ("市公安交警支队", "市公安局交警支队"),
    ("阳泉市住建局", "市住建局", "朔州市住房和城乡建设局"),
]


@pytest.mark.parametrize("names", SAME_BODY, ids=lambda names: names[0])
def test_aliases_resolve_to_one_body(names: tuple[str, ...]) -> None:
    canon = {normalize_unit(n) for n in names}
    assert len(canon) == 1, canon
    assert all(resolve_unit(n).resolved for n in names)


@pytest.mark.parametrize(("name", "canonical"), [
    ("市发改委", "市发展和改革委员会"),
    ("市审批服务管理局", "市行政审批服务管理局"),
    ("市 发改委", "市发展和改革委员会"),  # OCR wrap inside the name, sz20 L72
    ("商务局", "市商务局"),  # sz21 L945 prints 牵头单位：商务局
    ("团市委", "团市委"),
    ("朔州海关", "市海关"),
    ("朔城区人民政府", "朔城区人民政府"),
    ("应县政府", "应县人民政府"),
    ("平鲁区", "平鲁区人民政府"),
])
def test_canonical_display_form(name: str, canonical: str) -> None:
    assert normalize_unit(name) == canonical


def test_city_is_dropped_only_when_it_is_the_gazette_city() -> None:
    assert normalize_unit("阳泉市住建局", city="阳泉市") == "市住房和城乡建设局"
    assert normalize_unit("朔州市人社局", city="阳泉市") == "市人力资源和社会保障局"
    assert normalize_unit("阳泉海关", city="阳泉市") == "市海关"


@pytest.mark.parametrize("name", [
    "各县〔市、区〕人民政府",  # sz20 L74
    "各县[市、区]人民政府",  # sz20 L84
    "各县[市、区〕人民政府",  # sz20 L1145
    "各县「市、区〕人民政府",  # sz20 L1460
    "各县（市、区）人民政府",
    "各县(市、区)政府",  # sz21 L311
    "各县（区）政府",  # yq L2543
    "各县区人民政府",  # yq L1889
    "县(市、区) 人民政府",  # sz20 L1873 table cell
])
def test_county_group_spellings(name: str) -> None:
    unit = resolve_unit(name)
    assert unit.kind == "group"
    assert unit.name == "各县（市、区）人民政府"


@pytest.mark.parametrize(("name", "canonical"), [
    ("市直各部门", "市直有关部门"), ("市直相关部门", "市直有关部门"), ("市直有关部门", "市直有关部门"),
    ("市直各有关部门", "市直有关部门"), ("朔州经济开发区管委会", "开发区管委会"), ("开发区管委会", "开发区管委会"),
    ("阳泉经济技术开发区管委会", "开发区管委会"), ("各区人民政府", "各区人民政府"),
    ("专班组成单位", "专班组成单位"), ("市食安委各成员单位", "市食安委各成员单位"),
])
def test_groups(name: str, canonical: str) -> None:
    assert is_group(name)
    assert normalize_unit(name) == canonical


def test_departments_are_not_groups() -> None:
    assert not is_group("市发改委")
    assert not is_group("朔城区人民政府")


@pytest.mark.parametrize(("clause", "expected"), [
    # sz20 L88
    ("市发改委、市商务局、市司法局和各县〔市、区〕人民政府、朔州经济开发区管委会",
     ["市发改委", "市商务局", "市司法局", "各县〔市、区〕人民政府", "朔州经济开发区管委会"]),
    # sz20 L98: OCR spaces and a trailing 等
    ("市财政局、市税务局、市商务 局、市促投局等", ["市财政局", "市税务局", "市商务局", "市促投局"]),
    # yq L2601: 等 joining a name and a group
    ("市工信局、市市场监管局、市公安局、市财政局等市直相关部门",
     ["市工信局", "市市场监管局", "市公安局", "市财政局", "市直相关部门"]),
    # 和 inside names must not split
    ("市规划和自然资源局、市人力资源和社会保障局、市文化和旅游局",
     ["市规划和自然资源局", "市人力资源和社会保障局", "市文化和旅游局"]),
    # sz21 L998 / sz20 L1873: table cells separated by spaces; a county group wrapped by OCR
    ("市发改委 市商务局", ["市发改委", "市商务局"]),
    ("县(市、区) 人民政府 市公安局 市交通局", ["县(市、区)人民政府", "市公安局", "市交通局"]),
    # sz20 L1886: names glued without any separator
    ("市交通局市公安局", ["市交通局", "市公安局"]),
    # yq L3163: a bracketed note after a name stays with it
    ("市工信局(国资委)、市商务局", ["市工信局(国资委)", "市商务局"]),
    # sz21 L1949: a descriptive group with 和 stays whole
    ("各县（市、区）政府，开设政府网站和政务新媒体的部门", ["各县（市、区）政府", "开设政府网站和政务新媒体的部门"]),
])
def test_split_units(clause: str, expected: list[str]) -> None:
    assert split_units(clause) == expected


def test_unresolved_names_are_kept_and_reported() -> None:
    names = ["市发改委", "山西荣光能源有限公司", "市生态环境厅", "山西荣光能源有限公司"]  # yq L3258, L3545
    assert unresolved_units(names) == ["山西荣光能源有限公司", "市生态环境厅"]
    assert normalize_unit("山西荣光能源有限公司") == "山西荣光能源有限公司"


def test_every_alias_resolves_to_a_canonical_form_that_resolves_to_itself() -> None:
    for body in ALIASES:
        name = normalize_unit("市" + body)
        assert normalize_unit(name) == name, (body, name)


# --- properties ------------------------------------------------------------------------------------

_CJK = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4E80), min_size=1, max_size=6)
_PAIRS = [("（", "）"), ("(", ")"), ("〔", "〕"), ("[", "]"), ("[", "〕"), ("「", "〕")]


@st.composite
def _bracketed(draw: st.DrawFn) -> tuple[str, str]:
    """A name holding a bracketed list, and that bracket group (which must stay in one piece)."""
    opening, closing = draw(st.sampled_from(_PAIRS))
    inner = draw(st.lists(_CJK, min_size=1, max_size=3))
    sep = draw(st.sampled_from(["、", "，", ",", "和", "及", "；"]))
    group = opening + sep.join(inner) + closing
    return draw(_CJK) + group + draw(_CJK), group


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_CJK.map(lambda n: (n, "")), _bracketed()), min_size=1, max_size=6),
       st.sampled_from(["、", "，", ",", "；", "和", "及", " "]))
def test_split_units_never_splits_inside_brackets(names: list[tuple[str, str]], sep: str) -> None:
    pieces = split_units(sep.join(name for name, _ in names))
    for _, group in names:
        if group:
            assert any(group in piece for piece in pieces), (group, pieces)
    assert all(not any(ch.isspace() for ch in p) for p in pieces)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_resolution_is_total_and_idempotent(text: str) -> None:
    name = normalize_unit(text)
    assert normalize_unit(name) == name
    split_units(text)
