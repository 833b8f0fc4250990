"""The masthead (刊头) of an issue: gazette name, city, year, issue number, publication date.

Gazettes print a cover and an inner masthead with the same facts in slightly different forms
(``2021 第4期`` vs ``2021年第4期（总第12期）``); every fact is read from the front matter, the
line that states it most completely winning.
"""

from __future__ import annotations

import re

from gongbao.extract.dates import cn_small_number, parse_date
from gongbao.models import Gazette
from gongbao.segment.lines import Lines

_NAME_RE = re.compile(r"^(?:《)?(?P<name>[\u4e00-\u9fff]{2,24}?(?:公报|政报))(?:》)?$")
_ISSUE_RE = re.compile(r"(?P<y>(?:19|20)\d{2})年?第(?P<n>\d{1,3})期")
_TOTAL_RE = re.compile(r"总第0*(?P<t>\d{1,5})期")
_PUBLISHED_RE = re.compile(r"((?:19|20)\d{2}年\d{1,2}月\d{1,2}日)出版")
_FREQ_RE = re.compile(r"(半月刊|双月刊|月刊|季刊|旬刊|周刊|半年刊|年刊)")
_EDITOR_ORG_RE = re.compile(
    r"(?:主管主办单位|主办单位|主管单位|编辑单位|编印单位)?[:：]?"
    r"(?P<org>[\u4e00-\u9fff]{2,30}?(?:人民政府办公室|人民政府办公厅|办公室|办公厅|人民政府|委员会|中心|编辑部))"
    r"(?:主管主办|主管|主办|编印|编辑出版|编辑)"
)
_CN_NUMERAL_BEFORE = re.compile(r"[〇○零一二三四五六七八九十百]+(?=年|期)")
_CHIEF_RE = re.compile(r"^总编辑[:：]?\s*(?P<p>\S.*)$")
_EDITORS_RE = re.compile(r"^(?:本期编辑|责任编辑|编辑)[:：]?\s*(?P<p>\S.*)$")
# Administrative suffixes removed from a gazette name to get its place.
_GOV_SUFFIX_RE = re.compile(r"(人民政府|政府)?(公报|政报)$")


def parse_masthead(lines: Lines, end: int) -> Gazette:
    """Read the gazette facts from lines 1..``end`` (the front matter before the first document)."""
    g = Gazette()
    end = min(end, len(lines))
    for n in range(1, end + 1):
        c = lines.c(n)
        if not c:
            continue
        if c in ("目录", "本期目录", "目次"):
            break
        c = _CN_NUMERAL_BEFORE.sub(lambda m: str(cn_small_number(m.group()) or m.group()), c)
        if g.name is None:
            m = _NAME_RE.match(c)
            if m:
                g.name = m.group("name")
                place = _GOV_SUFFIX_RE.sub("", g.name)
                g.city = place or None
                continue
        m = _ISSUE_RE.search(c)
        if m and (g.year is None or "年" in c):
            g.year, g.issue = int(m.group("y")), int(m.group("n"))
        m = _TOTAL_RE.search(c)
        if m:
            g.total_issue = int(m.group("t"))
        m = _PUBLISHED_RE.search(c)
        if m:
            g.published = parse_date(m.group(1))
        m = _FREQ_RE.search(c)
        if m and g.frequency is None:
            g.frequency = m.group(1)
        m = _CHIEF_RE.match(lines.raw[n - 1].strip().lstrip("#").strip())
        if m:
            g.chief_editor = m.group("p").replace(" ", "") if len(m.group("p")) <= 5 else m.group("p").strip()
            continue
        m = _EDITORS_RE.match(lines.raw[n - 1].strip().lstrip("#").strip())
        if m:
            g.issue_editors = [p for p in re.split(r"[\s,，、]+", m.group("p")) if p]
            continue
        m = _EDITOR_ORG_RE.search(c)
        if m and g.editor_org is None and not _NAME_RE.match(c):
            g.editor_org = m.group("org")
    if g.published and g.year is None:
        g.year = int(g.published[:4])
    return g
