"""Validity status of a document as of a date: 尚未生效 / 现行有效 / 已失效 / 已废止, with its basis.

Effective date, in order: ``Document.effective_date`` (a date printed in the clause); a relative
clause in ``Document.effective_clause`` — ``自印发之日起`` / ``自公布之日起`` / ``自发布之日起`` /
``自下发之日起`` = the signing date, ``…之日起三十日后`` = signing date + 30 days; otherwise the
signing date (a document without a clause takes effect when issued; the basis says so).

Expiry: ``Document.valid_until``; else effective date + ``validity_years`` (``有效期2年`` from
2020-09-01 runs through 2022-08-31). A document with neither does not expire.

已废止 needs to know who repealed the document, which only the archive knows: the caller passes
the repealing documents/文号 as ``repealed_by``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from gongbao.extract.dates import cn_small_number
from gongbao.models import Document

STATUSES = ("尚未生效", "现行有效", "已失效", "已废止")

_RELATIVE = re.compile(
    r"自(?:印发|公布|发布|下发|颁布|签发)(?:之日)?(?:起)?"
    r"(?:(?P<n>\d{1,3}|[一二三四五六七八九十百两〇零]{1,4})(?:个)?(?P<unit>日|天|个月|月)(?:后|以后))?"
)
_WS = re.compile(r"\s+")
_VALIDITY = re.compile(r"有效期(?:为|是)?(?:\d{1,2}|[一二三四五六七八九十两]{1,2})年|有效期至|执行至")


@dataclass(frozen=True, slots=True)
class Status:
    status: str  # one of STATUSES
    basis: str  # the clause text (or what the status rests on when no clause is printed)
    line: int | None  # source line of the clause
    effective: date | None
    expires: date | None  # last day in force


def _iso(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    return date(year, month, 28)  # pragma: no cover


def relative_effective(clause: str, signed: date) -> date | None:
    """The effective date a relative clause gives, or None if the clause is not relative.

    >>> relative_effective("本办法自公布之日起三十日后施行。", date(2020, 8, 12))
    datetime.date(2020, 9, 11)
    """
    m = _RELATIVE.search(_WS.sub("", clause))
    if not m:
        return None
    if not m.group("n"):
        return signed
    n = cn_small_number(m.group("n"))
    if n is None:
        return None
    if m.group("unit") in ("日", "天"):
        return signed + timedelta(days=n)
    return _add_months(signed, n)


def effective_date(doc: Document) -> tuple[date | None, str]:
    """(effective date, basis) of a document."""
    printed = _iso(doc.effective_date)
    if printed:
        return printed, doc.effective_clause or f"施行日期 {printed.isoformat()}"
    signed = _iso(doc.signed_date)
    if doc.effective_clause and signed:
        relative = relative_effective(doc.effective_clause, signed)
        if relative:
            return relative, doc.effective_clause
    if signed:
        return signed, f"未载明施行日期，按成文日期 {signed.isoformat()} 计"
    return None, "未载明施行日期与成文日期"


def expiry_date(doc: Document, effective: date | None) -> date | None:
    """Last day in force: ``valid_until``, else effective + ``validity_years`` - 1 day."""
    until = _iso(doc.valid_until)
    if until:
        return until
    if doc.validity_years and effective:
        years = doc.validity_years
        if float(years).is_integer():
            return _add_months(effective, int(years) * 12) - timedelta(days=1)
        return effective + timedelta(days=round(365.25 * years)) - timedelta(days=1)
    return None


def _find_line(lines: Sequence[str] | None, doc: Document, needle: str | None, fallback: str) -> int | None:
    """Source line where ``needle`` (compared without whitespace) starts, else the first line holding
    ``fallback``."""
    if not lines:
        return None
    first, last = doc.start_line, min(doc.end_line, len(lines))
    key = _WS.sub("", needle or "")[:16]
    for probe in (key, fallback):
        if not probe:
            continue
        for n in range(first, last + 1):
            if probe in _WS.sub("", lines[n - 1]):
                return n
    return None


def validity_status(doc: Document, as_of: date, lines: Sequence[str] | None = None,
                    repealed_by: Sequence[str] = ()) -> Status:
    """Status of ``doc`` on ``as_of``. ``lines`` (the issue's source lines) locate the clause;
    ``repealed_by`` lists the documents/文号 known to repeal it."""
    effective, basis = effective_date(doc)
    expires = expiry_date(doc, effective)
    clause_line = _find_line(lines, doc, doc.effective_clause, "施行") if doc.effective_clause else None
    if repealed_by:
        names = "、".join(repealed_by)
        return Status("已废止", f"被{names}废止", None, effective, expires)
    if effective and as_of < effective:
        return Status("尚未生效", basis, clause_line, effective, expires)
    if expires and as_of > expires:
        validity_basis = _validity_basis(doc, lines)
        return Status("已失效", validity_basis[0] or basis, validity_basis[1] or clause_line, effective, expires)
    if expires:
        validity_basis = _validity_basis(doc, lines)
        if validity_basis[0] and validity_basis[0] not in basis and basis not in validity_basis[0]:
            basis = f"{basis}；{validity_basis[0]}" if doc.effective_clause else validity_basis[0]
            clause_line = clause_line or validity_basis[1]
        elif validity_basis[0] and basis in validity_basis[0]:
            basis = validity_basis[0]
            clause_line = clause_line or validity_basis[1]
    return Status("现行有效", basis, clause_line, effective, expires)


def _validity_basis(doc: Document, lines: Sequence[str] | None) -> tuple[str | None, int | None]:
    """The printed sentence with 有效期/执行至 and its line, when the lines are given."""
    if not lines:
        if doc.valid_until:
            return f"有效期至 {doc.valid_until}", None
        if doc.validity_years:
            return f"有效期{doc.validity_years:g}年", None
        return None, None
    for n in range(doc.start_line, min(doc.end_line, len(lines)) + 1):
        text = _WS.sub("", lines[n - 1])
        if ("有效期" in text or "执行至" in text) and _VALIDITY.search(text):
            sentence = next((s + "。" for s in text.split("。") if _VALIDITY.search(s)), text)
            return sentence, n
    return None, None


def expiring_within(docs: Iterable[Document], as_of: date, days: int,
                    lines: Sequence[str] | None = None) -> list[tuple[Document, Status]]:
    """Documents in force on ``as_of`` whose last day in force falls within ``days`` days, soonest
    first."""
    horizon = as_of + timedelta(days=days)
    out: list[tuple[Document, Status]] = []
    for doc in docs:
        status = validity_status(doc, as_of, lines)
        if status.status == "现行有效" and status.expires and as_of <= status.expires <= horizon:
            out.append((doc, status))
    out.sort(key=lambda pair: (pair[1].expires or as_of, pair[0].doc_number or pair[0].title))
    return out
