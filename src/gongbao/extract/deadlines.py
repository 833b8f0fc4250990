"""Deadline phrases -> (ISO date | None, kind, phrase as printed).

Kinds (those of :class:`gongbao.models.Task`):

- ``date``: a calendar deadline. ``2021年12月31日``, ``2020年底前``, ``9月底前``, ``11月15日前``,
  ``年底前``, a year target ``于2021年建成`` (31 December); a range ``2020年9月1日—9月5日`` or ``6-7月底前`` gives its end date.
- ``recurring``: ``每年8月底前``, ``每月10日前``, ``每周五15:00前``, ``每季度末``; the date is the first
  occurrence on or after the signing date.
- ``ongoing``: ``长期坚持``, ``持续推进``, ``常态化`` — only where a deadline is expected (a 完成时限
  clause or column, see :func:`parse_deadline`); in running text these words are verbs.
- ``relative``: service limits such as ``10个工作日内``, ``30日内``: no date.

A phrase without a year takes the year of the document's signing date; if that puts the date more
than 90 days before signing (``3月底前`` in a plan signed in December) the next year is used. A
date a little before signing is kept (a deadline already past when the document was issued is a
fact a reader wants to see). Without a signing date such phrases keep ``date=None``.

Every function is total: any string in, never an exception out.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import cn2an

from gongbao.extract.dates import cn_small_number

_N = r"(?:\d{1,2}|[一二三四五六七八九十两〇○]{1,3})"
_Y = r"(?:(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4})"
_BEFORE = r"(?:前|之前|以前)"
_DONE = r"(?=完成|建成|实现|出台|到位|基本|全面|投入)"
_DASH = r"[—\-－–~～至到]"
_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WS = re.compile(r"\s+")

DEADLINE_KINDS = ("date", "recurring", "ongoing", "relative")


@dataclass(frozen=True, slots=True)
class Deadline:
    text: str  # the phrase as printed, whitespace removed
    kind: str  # "date" | "recurring" | "ongoing" | "relative"
    date: str | None  # ISO date when it can be resolved
    start: int = 0  # offsets into the whitespace-free text that was searched
    end: int = 0


def _num(text: str | None) -> int | None:
    """Arabic or Chinese small number; cn2an only as a fallback, never raising."""
    if not text:
        return None
    value = cn_small_number(text)
    if value is not None:
        return value
    try:
        converted = cn2an.cn2an(text, "smart")
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None
    return int(converted) if isinstance(converted, int | float) else None


def _as_date(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _make(year: int | None, month: int | None, day: int | None, signed: date | None,
          month_end: bool = False) -> date | None:
    """A date from parts; a missing year comes from ``signed`` (see the module docstring)."""
    if month is None or not 1 <= month <= 12:
        return None
    explicit = year is not None
    if year is None:
        if signed is None:
            return None
        year = signed.year
    if not 1900 <= year <= 2100:
        return None
    try:
        result = _month_end(year, month) if month_end or day is None else date(year, month, day)
    except ValueError:
        return None
    if not explicit and signed is not None and result < signed - timedelta(days=90):
        try:
            result = _month_end(year + 1, month) if month_end or day is None else date(year + 1, month, day)
        except ValueError:
            return None
    return result


def _next_on_or_after(start: date, month: int, day: int | None) -> date | None:
    for year in (start.year, start.year + 1):
        candidate = _make(year, month, day, None, month_end=day is None)
        if candidate and candidate >= start:
            return candidate
    return None


# --- patterns (all applied to whitespace-free text) ------------------------------------------------

_RANGE = re.compile(
    rf"(?P<y>{_Y})年(?P<m1>{_N})月(?P<d1>{_N})日?{_DASH}(?:(?P<y2>{_Y})年)?(?:(?P<m2>{_N})月)?(?P<d2>{_N})日"
)
_MONTH_RANGE = re.compile(rf"(?:(?P<y>{_Y})年)?(?P<m1>{_N})(?:月)?{_DASH}(?P<m2>{_N})月(?:底|末|份)?{_BEFORE}?")
_FULL = re.compile(rf"(?:(?P<y>{_Y})年)?(?P<m>{_N})月(?P<d>{_N})日(?:[^，。；、]{{0,6}}?时)?(?P<before>{_BEFORE})?")
_MONTH_END = re.compile(rf"(?:(?P<y>{_Y})年)?(?P<m>{_N})月(?:份)?(?P<end>底|末|中旬|上旬|下旬)(?P<before>{_BEFORE}|{_DONE})?")
_MONTH_BEFORE = re.compile(rf"(?:(?P<y>{_Y})年)?(?P<m>{_N})月(?:份)?(?P<before>{_BEFORE})")
_YEAR_END = re.compile(rf"(?:(?P<y>{_Y})年)?(?:年底|年末|底|末)(?P<before>{_BEFORE}|{_DONE})?")
_YEAR_TARGET = re.compile(rf"(?<=[于在])(?P<y>{_Y})年(?P<v>建成|完成|实现|全面完成|基本完成|投入)")
_YEAR_WITHIN = re.compile(rf"(?P<y>{_Y})年(?:内|年内|上半年|下半年)")
_RECURRING = re.compile(
    rf"每年(?:的)?(?:(?P<m>{_N})月(?:(?P<d>{_N})日|(?P<end>底|末))?|(?P<ye>年底|年末))(?:[^，。；]{{0,6}}?时)?{_BEFORE}?"
    rf"|每(?:个)?月(?:的)?(?P<md>{_N})日(?:[、和至]{_N}日)*(?:[^，。；]{{0,8}}?时)?{_BEFORE}?"
    rf"|每(?:个)?月(?:底|末){_BEFORE}?"
    rf"|每(?:个)?季度(?:末|结束前|第一个月{_N}日{_BEFORE}?|首月{_N}日{_BEFORE}?)"
    rf"|每(?:周|星期)(?P<wd>[一二三四五六日天])(?:[^，。；]{{0,8}}?{_BEFORE})?"
    rf"|每半年(?:末|底)?{_BEFORE}?"
)
_ONGOING = re.compile(r"长期坚持|长期执行|长期|全年持续推进|持续推进|持续开展|持续实施|常态化(?:推进|开展)?|持续")
_RELATIVE = re.compile(rf"(?P<n>{_N}|\d{{1,3}}|[一二三四五六七八九十百]{{1,4}})个?(?P<u>工作日|日|天|个月|月|周|年)(?:内|以内)")

# ``2019年12月31日前出台的政策`` dates a scope, not a deadline.
_SCOPE = re.compile(r"[\u4e00-\u9fff]{0,3}的")

_CUES = ("前", "底", "末", "每", "内", "—", "-", "－", "–", "~", "～", "年建成", "年完成", "年实现", "年投入", "年全面", "年基本")
# One C-level search for "holds any cue" (any() over a generator cost a Python step per cue).
_CUE_RE = re.compile("|".join(re.escape(cue) for cue in _CUES))
_DASH_CHARS = re.compile("[—\\-－–~～至到]")
_END_CHARS = re.compile("[底末旬]")
# Substrings every match of a pattern holds, consecutively (read off the pattern): the pattern is
# scanned only when its hint is found. These patterns open with an optional year group, so a scan
# tries them at every position of the text; each hint opens with a literal or a class and is found
# by a C-level skip. A necessary condition: the matches are the same.
_MONTH_RANGE_HINT = re.compile(rf"{_DASH}{_N}月")
_FULL_HINT = re.compile(rf"月{_N}日")
_MONTH_END_HINT = re.compile(r"月份?(?:底|末|中旬|上旬|下旬)")
_MONTH_BEFORE_HINT = re.compile(r"月份?(?:前|之前|以前)")
_RELATIVE_HINT = re.compile(r"(?:工作日|日|天|个月|月|周|年)(?:内|以内)")


def _resolve_recurring(m: re.Match[str], signed: date | None) -> date | None:
    if signed is None:
        return None
    text = m.group(0)
    if m.group("m") or m.group("ye"):
        month = _num(m.group("m")) if m.group("m") else 12
        day = _num(m.group("d")) if m.group("d") else None
        if month is None or not 1 <= month <= 12:
            return None
        return _next_on_or_after(signed, month, day)
    if m.group("md"):
        day = _num(m.group("md"))
        if day is None or not 1 <= day <= 31:
            return None
        for k in range(0, 3):
            y, mo = divmod(signed.month - 1 + k, 12)
            try:
                candidate = date(signed.year + y, mo + 1, day)
            except ValueError:
                continue
            if candidate >= signed:
                return candidate
        return None
    if text.startswith(("每月", "每个月")):
        end = _month_end(signed.year, signed.month)
        return end
    if m.group("wd"):
        target = _WEEKDAY[m.group("wd")]
        return signed + timedelta(days=(target - signed.weekday()) % 7)
    if "季度" in text:
        quarter_end_month = ((signed.month - 1) // 3 + 1) * 3
        return _month_end(signed.year, quarter_end_month)
    if text.startswith("每半年"):
        return _month_end(signed.year, 6 if signed.month <= 6 else 12)
    return None


def _candidates(text: str, signed: date | None, phrase_mode: bool) -> list[Deadline]:
    found: list[Deadline] = []

    def add(m: re.Match[str], kind: str, when: date | None) -> None:
        found.append(Deadline(m.group(0), kind, when.isoformat() if when else None, m.start(), m.end()))

    if "每" in text:
        for m in _RECURRING.finditer(text):
            add(m, "recurring", _resolve_recurring(m, signed))
    # Each pattern below is scanned only when the text holds characters every match of it must
    # contain (月 for the month patterns, 年/月/日 for a date range): a necessary condition, so the
    # matches are the same; the patterns open with optional groups and are tried at every position.
    has_month = "月" in text
    has_dash = _DASH_CHARS.search(text) is not None  # any of —-－–~～至到
    for m in _RANGE.finditer(text) if has_dash and has_month and "年" in text and "日" in text else ():
        y = _num(m.group("y"))
        y2 = _num(m.group("y2")) if m.group("y2") else y
        m2 = _num(m.group("m2")) if m.group("m2") else _num(m.group("m1"))
        add(m, "date", _make(y2, m2, _num(m.group("d2")), signed))
    for m in _MONTH_RANGE.finditer(text) if has_dash and has_month and _MONTH_RANGE_HINT.search(text) else ():
        if not (phrase_mode or m.group(0).endswith(("前", "底", "末"))):
            continue
        y = _num(m.group("y")) if m.group("y") else None
        add(m, "date", _make(y, _num(m.group("m2")), None, signed, month_end=True))
    for m in _FULL.finditer(text) if has_month and "日" in text and _FULL_HINT.search(text) else ():
        if not (phrase_mode or m.group("before")) or _SCOPE.match(text, m.end()):
            continue
        y = _num(m.group("y")) if m.group("y") else None
        add(m, "date", _make(y, _num(m.group("m")), _num(m.group("d")), signed))
    has_end = _END_CHARS.search(text) is not None
    for m in _MONTH_END.finditer(text) if has_end and has_month and _MONTH_END_HINT.search(text) else ():
        if not (phrase_mode or m.group("before") or m.group("y")):
            continue
        y = _num(m.group("y")) if m.group("y") else None
        month = _num(m.group("m"))
        end = m.group("end")
        day = {"上旬": 10, "中旬": 20}.get(end)
        add(m, "date", _make(y, month, day, signed, month_end=day is None))
    for m in _MONTH_BEFORE.finditer(text) if has_month and "前" in text and _MONTH_BEFORE_HINT.search(text) else ():
        y = _num(m.group("y")) if m.group("y") else None
        month = _num(m.group("m"))
        first = _make(y, month, 1, signed)
        add(m, "date", first)
    # A match is kept only with a year (…年底, …年末) or when it opens with 年底/年末: either way the
    # text holds 年底 or 年末 (a bare 底 or 末 adds nothing).
    for m in _YEAR_END.finditer(text) if has_end and ("年底" in text or "年末" in text) else ():
        if not m.group("y") and not m.group(0).startswith(("年底", "年末")):
            continue
        if not (phrase_mode or m.group("before") or m.group("y")):
            continue
        y = _num(m.group("y")) if m.group("y") else (signed.year if signed else None)
        add(m, "date", date(y, 12, 31) if y and 1900 <= y <= 2100 else None)
    for m in _YEAR_WITHIN.finditer(text) if "年内" in text or "半年" in text else ():
        y = _num(m.group("y"))
        month = 6 if m.group(0).endswith("上半年") else 12
        add(m, "date", _month_end(y, month) if y and 1900 <= y <= 2100 else None)
    for m in _YEAR_TARGET.finditer(text) if ("于" in text or "在" in text) and "年" in text else ():
        y = _num(m.group("y"))
        add(m, "date", date(y, 12, 31) if y and 1900 <= y <= 2100 else None)
    for m in _RELATIVE.finditer(text) if "内" in text and _RELATIVE_HINT.search(text) else ():
        if _num(m.group("n")) is not None:
            add(m, "relative", None)
    if phrase_mode:
        for m in _ONGOING.finditer(text):
            add(m, "ongoing", None)
    return found


def _non_overlapping(found: list[Deadline]) -> list[Deadline]:
    found.sort(key=lambda d: (d.start, -(d.end - d.start)))
    out: list[Deadline] = []
    last_end = -1
    for d in found:
        if d.start >= last_end:
            out.append(d)
            last_end = d.end
    return out


def find_deadlines(text: str, signed: str | date | None = None) -> list[Deadline]:
    """Deadline phrases in running text, in order. Only phrases that read as deadlines count
    (``…前``, ``…底前``, ``每…``, ``N个工作日内``, a year-qualified ``2021年7月底``); bare dates and
    the verbs 持续推进/常态化 do not.

    >>> [(d.text, d.date) for d in find_deadlines("2020 年底前集中公布", "2020-07-28")]
    [('2020年底前', '2020-12-31')]
    """
    # "".join(split()) drops exactly what _WS matches (\s and str.split() both split on
    # str.isspace(), checked over every code point), 5x faster than the regex on task texts.
    compact = "".join(text.split()) if text else ""
    if not compact or _CUE_RE.search(compact) is None:
        return []
    return _non_overlapping(_candidates(compact, _as_date(signed), phrase_mode=False))


def parse_deadline(phrase: str, signed: str | date | None = None) -> Deadline | None:
    """Read a phrase printed where a deadline is expected (a 完成时限 clause, a table column).

    Bare dates, ``长期坚持`` and ``持续推进`` count here. When the phrase holds several deadlines
    (``6月底前完成排查,11月底前完成治理``) the one chosen by :func:`pick_deadline` is returned.

    >>> parse_deadline("2021年12月31日")
    Deadline(text='2021年12月31日', kind='date', date='2021-12-31', start=0, end=11)
    >>> parse_deadline("每年8月底前", "2020-07-28").date
    '2020-08-31'
    """
    compact = "".join(phrase.split()) if phrase else ""  # same as _WS.sub("", phrase)
    if not compact:
        return None
    return pick_deadline(_non_overlapping(_candidates(compact, _as_date(signed), phrase_mode=True)),
                         allow_relative=True)


def pick_deadline(found: Sequence[Deadline], allow_relative: bool = False) -> Deadline | None:
    """The deadline of a task among several phrases: the latest dated one; else the first
    recurring one; else an ongoing one; else (if allowed) a relative limit."""
    dated = [d for d in found if d.kind == "date" and d.date]
    if dated:
        latest = max(d.date for d in dated if d.date)
        return next(d for d in dated if d.date == latest)
    for kind in ("recurring", "date", "ongoing") + (("relative",) if allow_relative else ()):
        for d in found:
            if d.kind == kind:
                return d
    return None
