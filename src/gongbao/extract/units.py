"""Department names: alias table, normalization, groups, and splitting of unit lists.

The table is city-independent. A name is read as *level prefix* + *body*: ``市发改委`` is the
city level (``市``) + the body ``发改委``. The body is looked up in an alias table and the name is
rebuilt with the canonical body.

Canonical display form (the one choice made for every body): **the level prefix ``市`` + the full
official name of the body**, e.g. ``市发展和改革委员会``, ``市住房和城乡建设局``,
``市行政审批服务管理局``. The city itself is not part of the name: ``阳泉市住建局`` and
``朔州市住建局`` both become ``市住房和城乡建设局`` (the city is an attribute of the gazette the
task comes from). Vertical units whose printed name carries the city inside it
(``人行朔州市中心支行``, ``朔州银保监分局``, ``阳泉海关``) get the same treatment with the city
replaced by ``市``: ``人民银行市中心支行``, ``市银保监分局``, ``市海关``.

Groups (``各县（市、区）人民政府``, ``市直有关部门``, ``开发区管委会``, …) are recognized as groups
and given one canonical spelling each. Names that are neither in the table nor of a recognized
shape (a named county government, a 领导小组 …) are kept verbatim (whitespace removed) and
reported by :func:`unresolved_units`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

# canonical body -> aliases (bodies without the 市 prefix). Every alias is also a key of _BODY.
_TABLE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("发展和改革委员会", ("发改委", "发展改革委", "发展和改革委", "发展改革委员会", "发展改革局", "发政委")),
    ("行政审批服务管理局", ("审批局", "行政审批局", "审批服务管理局", "行政审批管理局", "审批服务局",
                           "行政审批服务局")),
    ("工业和信息化局", ("工信局", "工业和信息化局", "工业信息化局", "经信委", "经济和信息化委员会")),
    ("市场监督管理局", ("市场监管局", "市场监督管理局", "市场局")),
    ("交通运输局", ("交通局", "交通运输局")),
    ("住房和城乡建设局", ("住建局", "住房城乡建设局", "住房和城乡建设局", "城乡和住房建设局", "住房城乡建设委")),
    ("卫生健康委员会", ("卫健委", "卫生健康委", "卫生健康委员会", "卫生和健康委员会")),
    ("文化和旅游局", ("文旅局", "文化和旅游局", "文化旅游局")),
    ("规划和自然资源局", ("规自局", "规划和自然资源局", "自然资源局", "自然资源和规划局")),
    ("城市管理局", ("城管局", "城市管理局", "城市管理综合执法局")),
    ("委机构编制委员会办公室", ("委编办", "编办", "委机构编制委员会办公室", "机构编制委员会办公室")),
    ("人力资源和社会保障局", ("人社局", "人力资源和社会保障局", "人力资源社会保障局")),
    ("农业农村局", ("农业农村局", "农业局", "农村农村局")),
    ("生态环境局", ("生态环境局", "环保局")),
    ("应急管理局", ("应急局", "应急管理局")),
    ("医疗保障局", ("医保局", "医疗保障局")),
    ("退役军人事务局", ("退役军人局", "退役军人事务局")),
    ("人民政府金融工作办公室", ("金融办", "政府金融办", "地方金融监管局", "金融工作办公室")),
    ("人民政府外事办公室", ("外事办", "政府外事办", "外事办公室")),
    ("人民政府国有资产监督管理委员会", ("国资委", "国有资产监督管理委员会")),
    ("促进外来投资局", ("促投局", "促进外来投资局", "投资促进局", "投促局")),
    ("大数据应用局", ("大数据局", "大数据应用局", "大数据管理局")),
    ("政务信息管理局", ("政务信息管理局",)),
    ("食品安全委员会", ("食安委", "食品安全委员会")),
    ("食品安全委员会办公室", ("食安办", "食品安全委员会办公室")),
    ("人民防空办公室", ("人防办", "人民防空办公室")),
    ("住房公积金管理中心", ("公积金管理中心", "住房公积金管理中心", "公积金中心")),
    ("中级人民法院", ("法院", "中院", "中级人民法院", "中级法院")),
    ("人民检察院", ("检察院", "人民检察院")),
    ("妇女联合会", ("妇联", "妇女联合会")),
    ("总工会", ("总工会",)),
    ("残疾人联合会", ("残联", "残疾人联合会")),
    ("科学技术协会", ("科协", "科学技术协会")),
    ("工商业联合会", ("工商联", "工商业联合会")),
    ("计划生育协会", ("计生协", "计生协会", "计划生育协会")),
    ("供销合作社", ("供销社", "供销合作社")),
    ("机关事务管理局", ("机关事务管理局", "机关事务局", "机关事务服务中心")),
    ("公安局交通警察支队", ("公安交警支队", "公安局交警支队", "交警支队", "公安局交通警察支队")),
    ("中小企业服务中心", ("中小企业服务中心",)),
    ("小微企业发展服务中心", ("小微企业发展服务中心",)),
    ("扶贫开发办公室", ("扶贫办", "扶贫开发办公室")),
    ("委宣传部", ("委宣传部",)),
    ("委统战部", ("委统战部", "委统一战线工作部")),
    ("委组织部", ("委组织部",)),
    ("委政法委员会", ("委政法委", "委政法委员会")),
    ("委网络安全和信息化委员会办公室", ("委网信办", "委网络安全和信息化委员会办公室")),
    ("委台湾工作办公室", ("委台办",)),
    ("精神文明建设委员会办公室", ("文明办", "精神文明建设委员会办公室", "委文明办")),
    ("军民融合发展委员会办公室", ("军民融合办",)),
    ("邮政管理局", ("邮政管理局", "邮政局")),
    ("消防救援支队", ("消防救援支队", "消防支队")),
)
# Bodies that are already canonical and have no alias: a known set so they count as resolved.
_PLAIN = (
    "财政局", "商务局", "教育局", "公安局", "民政局", "司法局", "科技局", "水利局", "林业局", "审计局",
    "统计局", "信访局", "能源局", "体育局", "税务局", "气象局", "乡村振兴局", "畜牧兽医服务中心",
    "园林绿化服务中心", "现代农业发展服务中心", "农业机械化发展中心", "政府信息技术服务中心",
    "土地储备中心", "城市发展集团", "政府办公室", "人民政府办公室", "人民政府", "政府", "委", "园林管理局",
    "民营企业局", "重大交通基础设施建设服务中心", "直属机关事务服务中心", "教育工委", "政务服务中心",
    "地震局", "粮食和物资储备局", "国家安全局", "烟草专卖局",
)
# Canonical forms for party/mass bodies whose printed name has no 市 prefix (团市委).
_SPECIAL = {"团市委": "团市委", "共青团市委": "团市委", "共青团市委员会": "团市委"}

_BODY: dict[str, str] = {}
for _canonical, _aliases in _TABLE:
    _BODY[_canonical] = _canonical
    for _alias in _aliases:
        _BODY[_alias] = _canonical
for _plain in _PLAIN:
    _BODY.setdefault(_plain, _plain)
_BODY["政府"] = "人民政府"
_BODY["政府办公室"] = "人民政府办公室"

ALIASES: Mapping[str, str] = MappingProxyType(dict(_BODY))
"""Alias body -> canonical body (both without the 市 prefix), read-only."""

# Vertical (non-city) units whose printed name holds the city name. ``{c}`` is any city stem.
_C = r"(?:[\u4e00-\u9fff]{2}市?|市)?"
_VERTICAL: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p.replace("{c}", _C)), name)
    for p, name in (
        (r"^(?:中国)?(?:人民银行|人行){c}(?:中心)?支行$|^市人行$", "人民银行市中心支行"),
        (r"^(?:中国)?银保监会{c}监管分局$|^{c}银保监(?:分局|局)$", "市银保监分局"),
        (r"^国家外汇管理局{c}(?:中心)?支局$|^外汇管理局{c}(?:中心)?支局$|^外汇局{c}(?:中心)?支局$",
         "国家外汇管理局市中心支局"),
        (r"^{c}海关$", "市海关"),
        (r"^(?:国家税务总局){c}税务局$", "市税务局"),
        (r"^{c}供电(?:分)?公司$", "市供电公司"),
        (r"^{c}公路分局$|^山西省公路局{c}分局$", "市公路分局"),
        (r"^{c}车务段$", "市车务段"),
        (r"^{c}水文(?:水资源勘测)?分局$", "市水文分局"),
        (r"^{c}煤监分局$", "市煤监分局"),
        (r"^{c}军分区$", "市军分区"),
        (r"^(?:北京铁路局所属|北京铁路|中国铁路北京局集团有限公司){c}站$", "市铁路车站"),
    )
)

# Canonical names that no alias pattern produces from themselves (resolution is idempotent).
_CANONICAL_OTHER = {name: "vertical" for _, name in _VERTICAL}

# Groups: (pattern on the compact name, canonical group name).
_COUNTY_PAREN = r"[（(〔\[「【]?(?:市[、,，]?)?区?[）)〕\]」】]?"
_GROUPS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), name)
    for p, name in (
        (rf"^(?:各|相关|有关|各市|[一二三四五六七八九十\d]{{1,2}}个?)?县{_COUNTY_PAREN}(?:区)?(?:人民)?政府$",
         "各县（市、区）人民政府"),
        (rf"^(?:各|相关|有关)县{_COUNTY_PAREN}$", "各县（市、区）人民政府"),
        (r"^各市区县人民政府$|^各区县人民政府$", "各县（市、区）人民政府"),
        (r"^各区(?:人民)?政府$", "各区人民政府"),
        (r"^各市人民政府$", "各市人民政府"),
        (r"^(?:各|相关|有关)?(?:乡镇|乡\(镇\)|乡（镇）)(?:人民)?政府$", "各乡（镇）人民政府"),
        (r"^(?:[\u4e00-\u9fff]{2,6})?(?:经济|经济技术|高新技术)?(?:开发区|示范区|园区)(?:管委会|管理委员会)$|"
         r"^各?开发区(?:管委会)?$", "开发区管委会"),
        (r"^市(?:直|政府)?(?:各|有关|相关|各有关|各相关)(?:部门|单位|委、办、局)$|"
         r"^市直(?:各|有关|相关|各有关|各相关)?(?:部门|单位)$|^市人民政府各委、办、局$", "市直有关部门"),
        (r"^(?:各|有关|相关|各有关|各相关)?(?:行业)?(?:主管)?(?:部门|单位)$|^其他相关政府部门$", "有关部门"),
        (r"^.{0,20}(?:各|相关|有关|其他)?成员单位$|^专班组成单位$|^(?:各|相关|有关|各相关|各有关)(?:重点)?企业$", ""),
        # kept as printed
    )
)

_UNIT_SUFFIX = ("局", "委", "办", "府", "会", "部", "院", "行", "中心", "队", "关", "社", "站", "司",
                "团", "所", "处", "室", "厅", "段", "组", "集团", "联", "署", "庭")
_LEVEL = re.compile(r"^(?P<city>(?![市省县区])[\u4e00-\u9fff]{2}市(?=[\u4e00-\u9fff]{2}))?(?P<level>市|省|县|区)?")
_PAREN_TAIL = re.compile(r"[（(〔\[][^（()）〔〕\[\]]*[)）〕\]]$")
_WS = re.compile(r"\s+")
# A county-level place printed alone as a responsible unit (朔城区, 平鲁区, 右玉县): its government.
_COUNTY = re.compile(
    r"(?![\u4e00-\u9fff]*(?:示范|开发|保税|风景|功能|试验|产业|工业|集聚|新|景|园|社|市辖)区$)"
    r"(?:[\u4e00-\u9fff]{2,3}区|[\u4e00-\u9fff]{1,3}县)"
)
_OPEN = "（(〔[「【{《"
_CLOSE = "）)〕]」】}》"


@dataclass(frozen=True, slots=True)
class Unit:
    """One responsible body as resolved from a printed name."""

    name: str  # canonical display form (the printed name, compacted, when unresolved)
    raw: str  # as printed, whitespace removed
    kind: str  # "department" | "group" | "vertical" | "government" | "other"
    resolved: bool


def _compact(name: str) -> str:
    name = _WS.sub("", name)
    return name.strip("、，,；;。:：等")


def _strip_trailing_parens(name: str) -> str:
    """``市工信局(国资委)`` -> ``市工信局``; ``市规划和自然资源局〔市林业局〕`` -> ``市规划和自然资源局``."""
    while True:
        m = _PAREN_TAIL.search(name)
        if not m or m.start() == 0:
            return name
        inner = name[m.start() + 1:-1]
        # 各县（市、区） keeps its brackets: they are part of the group's name.
        if re.fullmatch(r"市?[、,，]?区?", inner):
            return name
        name = name[: m.start()]


def _city_stem(city: str | None) -> str | None:
    if not city:
        return None
    stem = city[:-1] if city.endswith("市") else city
    return stem if len(stem) >= 2 else None


@lru_cache(maxsize=8192)
def resolve_unit(name: str, city: str | None = None) -> Unit:
    """Resolve a printed unit name to its canonical form (memoized: a pure function of its
    arguments returning an immutable value, called for the same few hundred names over and over).

    >>> resolve_unit("市发改委").name
    '市发展和改革委员会'
    >>> resolve_unit("阳泉市住建局").name
    '市住房和城乡建设局'
    >>> resolve_unit("各县〔市、区〕人民政府").kind
    'group'
    """
    raw = _compact(name)
    text = _strip_trailing_parens(raw)
    if not text:
        return Unit(raw, raw, "other", False)
    stem = _city_stem(city)
    if stem and text.startswith(stem) and not text.startswith(stem + "经济"):
        rest = text[len(stem):]
        rest = rest[1:] if rest.startswith("市") else rest
        text = "市" + rest if rest and not rest.startswith("市") else (rest or text)
    if text in _SPECIAL:
        return Unit(_SPECIAL[text], raw, "department", True)
    if text in _CANONICAL_OTHER:
        return Unit(text, raw, _CANONICAL_OTHER[text], True)
    # Fast path: 市 + a body of the table (most names).
    if text[:1] == "市" and text[1:] in _BODY and text[1:] not in ("人民政府", "政府", "委"):
        return Unit("市" + _BODY[text[1:]], raw, "department", True)
    for pattern, canonical in _GROUPS:
        if pattern.match(text):
            return Unit(canonical or text, raw, "group", True)
    for pattern, canonical in _VERTICAL:
        if pattern.match(text):
            return Unit(canonical, raw, "vertical", True)
    m = _LEVEL.match(text)
    level = m.group("level") if m else None
    body = text[m.end():] if m else text
    if m and m.group("city") and not level:
        level = "市"
    if body.startswith("政府") and body[2:] in _BODY and body[2:] not in ("", "办公室"):
        body = body[2:]  # 市政府金融办 = 市金融办
    canonical = _BODY.get(body)
    if canonical is not None and level in (None, "市"):
        if canonical in ("人民政府", "委"):
            return Unit("市" + canonical, raw, "government", True)
        return Unit("市" + canonical, raw, "department", True)
    if canonical is not None and level in ("省", "县", "区"):
        return Unit(level + canonical, raw, "department", True)
    if _COUNTY.fullmatch(text):
        return Unit(text + "人民政府", raw, "government", True)
    if re.fullmatch(r"[\u4e00-\u9fff]{1,4}(?:县|区|市)(?:人民)?政府", text):
        return Unit(re.sub(r"(?<!人民)政府$", "人民政府", text), raw, "government", True)
    if re.fullmatch(r"省[\u4e00-\u9fff]{1,12}厅", text):
        return Unit(text, raw, "department", True)
    return Unit(raw, raw, "other", False)


def normalize_unit(name: str, city: str | None = None) -> str:
    """The canonical display form of a printed unit name (verbatim, compacted, if unknown).

    >>> normalize_unit("市审批服务管理局") == normalize_unit("市行政审批局")
    True
    """
    return resolve_unit(name, city).name


def is_group(name: str) -> bool:
    """Whether a name designates a group of bodies (各县（市、区）人民政府, 市直有关部门, …)."""
    return resolve_unit(name).kind == "group"


def unresolved_units(names: Iterable[str], city: str | None = None) -> list[str]:
    """The names (compacted, first-seen order, no repeats) that the alias table cannot resolve."""
    out: list[str] = []
    for name in names:
        unit = resolve_unit(name, city)
        if not unit.resolved and unit.raw and unit.raw not in out:
            out.append(unit.raw)
    return out


@lru_cache(maxsize=8192)
def looks_like_unit(name: str) -> bool:
    """Cheap shape test: a resolvable name, or one ending in a body suffix (局, 委, 办, 中心 …)."""
    text = _strip_trailing_parens(_compact(name))
    if not text or len(text) > 40:
        return False
    return resolve_unit(text).resolved or text.endswith(_UNIT_SUFFIX)


_SEPARATORS = "、，,；;/"
_CONJ_LEFT = (*_UNIT_SUFFIX, "部门", "单位", "）", ")", "〕", "]")


_SEP_RE = re.compile(f"[{re.escape(_SEPARATORS)}]")
_PIECE_RE = re.compile(f"[{re.escape(_OPEN + _CLOSE + _SEPARATORS)}]|以及|和|及|与|等")


def _top_level_pieces(clause: str) -> list[str]:
    """Split on separators and unit-joining conjunctions outside brackets."""
    pieces: list[str] = []
    depth = 0
    start = 0
    for m in _PIECE_RE.finditer(clause):
        tok, i = m.group(0), m.start()
        if tok in _OPEN:
            depth += 1
        elif tok in _CLOSE:
            depth = max(0, depth - 1)
        elif depth:
            continue
        elif tok in _SEPARATORS:
            pieces.append(clause[start:i])
            start = m.end()
        elif i > start:
            left = clause[start:i].rstrip()
            # Split only between two names: 市司法局和各县…, not 市规划和自然资源局.
            right = _SEP_RE.split(clause[m.end():], 1)[0]
            if left.endswith(_CONJ_LEFT) and right.strip() and "的" not in right:
                pieces.append(clause[start:i])
                start = m.end()
    pieces.append(clause[start:])
    return pieces


def _split_whitespace(piece: str) -> list[str]:
    """A piece with inner whitespace is one name wrapped by OCR, or names separated by spaces
    (table cells: ``市发改委 市商务局``, ``县(市、区) 人民政府 市公安局``)."""
    tokens = piece.split()
    if len(tokens) <= 1:
        return [piece]
    joined = "".join(tokens)
    if resolve_unit(joined).resolved:
        return [joined]
    out: list[str] = []
    current = ""
    for token in tokens:
        if current and _complete(current) and (_complete(token) or token[:1] in "市各县省团人国中"):
            out.append(current)
            current = token
        else:
            current += token
    if current:
        out.append(current)
    return out


def _complete(text: str) -> bool:
    text = _strip_trailing_parens(text)
    return resolve_unit(text).resolved or text.endswith(_UNIT_SUFFIX)


def _split_glued(name: str) -> list[str]:
    """``市交通局市公安局朔州公路分局`` (a table cell without separators) -> its names, when the
    whole cell can be read as a run of resolvable names (longest first)."""
    if len(name) < 7 or resolve_unit(name).resolved:
        return [name]
    parts: list[str] = []
    rest = name
    while rest:
        for end in range(len(rest), 2, -1):
            if rest[end - 1] in _SUFFIX_CHARS and resolve_unit(rest[:end]).resolved:
                parts.append(rest[:end])
                rest = rest[end:]
                break
        else:
            return [name]
    return parts


_SUFFIX_CHARS = frozenset("局委办府会部院行心队关社站司团所处室厅段组联署庭门位")


def split_units(clause: str) -> list[str]:
    """Split a list of unit names on 、，,；和 及 … and on spaces between names, never inside
    brackets; names are returned compacted (no whitespace), without a trailing 等.

    >>> split_units("市发改委、市商务局和各县（市、区）人民政府等")
    ['市发改委', '市商务局', '各县（市、区）人民政府']
    """
    return list(_split_units(clause))  # a fresh list: callers may extend it


@lru_cache(maxsize=8192)
def _split_units(clause: str) -> tuple[str, ...]:
    """split_units, memoized like :func:`resolve_unit`: a pure function of the clause, and the
    same few hundred clauses (市发改委、市商务局, 各县（市、区）人民政府) recur in document after
    document (a task is split several times: roles, shape tests, normalization)."""
    out: list[str] = []
    for piece in _top_level_pieces(clause.strip()):
        piece = piece.strip().strip("。:：")
        if not piece:
            continue
        for part in _split_whitespace(piece):
            part = _compact(part)
            if part.endswith("等") and len(part) > 1:
                part = part[:-1]
            if part:
                out.extend(_split_glued(part))
    return tuple(out)
