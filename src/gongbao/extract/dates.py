"""Chinese dates -> ISO strings. Handles Arabic (``2020 年 8 月 13 日``) and Chinese numerals
(``二〇二〇年八月十三日``), with OCR spaces anywhere."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "О": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "〇○零О一二三四五六七八九十"

DATE_RE = re.compile(
    r"(?P<y>(?:19|20)\s*\d\s*\d|[〇○零О一二三四五六七八九]{4})\s*年\s*"
    rf"(?P<m>\d\s*\d?|[{_CN}]{{1,2}})\s*月\s*"
    rf"(?P<d>\d\s*\d?|[{_CN}]{{1,3}})\s*日"
)
# A line holding only a date (the 成文日期 line of a signature block).
DATE_LINE_RE = re.compile(rf"^\s*{DATE_RE.pattern}\s*$")
_WS = re.compile(r"\s+")


def cn_small_number(text: str) -> int | None:
    """Parse a Chinese numeral below 1000 (一, 十二, 二十, 三十一, 一百零五) or Arabic digits."""
    # Compiled once: re.sub with a pattern string looked the pattern up in re's cache on every call.
    text = _WS.sub("", text)
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if all(ch in _CN_DIGITS for ch in text) and len(text) > 1:  # 二〇二〇 digit by digit
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch in "两":
            current = 2
        else:
            return None
    return total + current


@dataclass(frozen=True, slots=True)
class DateSpan:
    iso: str
    start: int
    end: int


def _to_iso(y: str, m: str, d: str) -> str | None:
    year, month, day = cn_small_number(y), cn_small_number(m), cn_small_number(d)
    if year is None or month is None or day is None:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def find_dates(text: str) -> list[DateSpan]:
    """Every valid calendar date written out with 年/月/日 in ``text``."""
    out = []
    for m in DATE_RE.finditer(text):
        iso = _to_iso(m.group("y"), m.group("m"), m.group("d"))
        if iso:
            out.append(DateSpan(iso, m.start(), m.end()))
    return out


def parse_date(text: str) -> str | None:
    """The first date in ``text`` as ISO ``YYYY-MM-DD``, or None.

    >>> parse_date("朔州市人民政府 2020 年 8 月 20 日")
    '2020-08-20'
    >>> parse_date("二〇二一年七月三十一日")
    '2021-07-31'
    """
    found = find_dates(text)
    return found[0].iso if found else None


def month_day_in_year(text: str, year: int) -> str | None:
    """A ``M月D日`` phrase without a year, completed with ``year``."""
    m = re.search(rf"(\d{{1,2}}|[{_CN}]{{1,2}})\s*月\s*(\d{{1,2}}|[{_CN}]{{1,3}})\s*日", text)
    if not m:
        return None
    return _to_iso(str(year), m.group(1), m.group(2))
