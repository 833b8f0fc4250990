"""Tasks -> iCalendar (RFC 5545): one VEVENT (or VTODO) per task with a dated deadline.

A small serializer of our own: CRLF line ends, TEXT values escaped (backslash, ``;``, ``,``,
newline), content lines folded so that none exceeds 75 octets (never inside a UTF-8 character).
The UID of a task is a hash of its document (文号 or title), line, label and text, so exporting
the same task twice gives the same UID and calendar clients update instead of duplicating.
Recurring deadlines (``每年8月底前``) get an RRULE.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from gongbao.models import Document, Task

PRODID = "-//gongbao//tasks//ZH"
_MAX_OCTETS = 75


def escape_text(value: str) -> str:
    """RFC 5545 §3.3.11 TEXT escaping."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Fold a content line at 75 octets (continuations start with one space), CRLF-joined."""
    out: list[str] = []
    current = ""
    size = 0
    limit = _MAX_OCTETS
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, _MAX_OCTETS
        current += ch
        size += width
    out.append(current)
    return "\r\n".join(out)


def task_uid(doc: Document | None, task: Task) -> str:
    """A stable UID: the same task in the same document always gets the same one."""
    source = (doc.doc_number or doc.title) if doc else ""
    key = "\x1f".join((source or "", str(task.line), task.label or "", task.text[:200]))
    return hashlib.sha1(key.encode("utf-8")).hexdigest() + "@gongbao"


def _rrule(task: Task) -> str | None:
    if task.deadline_kind != "recurring" or not task.deadline_text:
        return None
    text = task.deadline_text
    if text.startswith("每年"):
        return "FREQ=YEARLY"
    if text.startswith(("每季度", "每个季度")):
        return "FREQ=MONTHLY;INTERVAL=3"
    if text.startswith("每半年"):
        return "FREQ=MONTHLY;INTERVAL=6"
    if text.startswith(("每月底", "每月末", "每个月底", "每个月末")):
        return "FREQ=MONTHLY;BYMONTHDAY=-1"
    if text.startswith(("每月", "每个月")):
        return "FREQ=MONTHLY"
    if text.startswith(("每周", "每星期")):
        return "FREQ=WEEKLY"
    return None


def _summary(task: Task) -> str:
    head = task.text.split("。")[0][:60] or task.text[:60]
    units = "、".join(task.lead_units[:3]) + ("等" if len(task.lead_units) > 3 else "")
    return f"{units}：{head}" if units else head


def _description(doc: Document | None, task: Task) -> str:
    parts = [task.text]
    if task.lead_units:
        parts.append("牵头/责任单位：" + "、".join(task.lead_units))
    if task.support_units:
        parts.append("配合单位：" + "、".join(task.support_units))
    if task.deadline_text:
        parts.append("时限：" + task.deadline_text)
    if doc is not None:
        source = "《" + doc.title + "》" + (f"（{doc.doc_number}）" if doc.doc_number else "")
        parts.append(f"来源：{source} 第{task.line}行" + (f" {task.label}" if task.label else ""))
    return "\n".join(parts)


def _prop(name: str, value: str) -> str:
    return fold(f"{name}:{value}")


def tasks_to_ical(items: Iterable[tuple[Document | None, Task]], *, dtstamp: datetime,
                  component: str = "VEVENT", calendar_name: str | None = None) -> str:
    """An iCalendar text for the tasks with a dated deadline (others are skipped).

    ``dtstamp`` is when the calendar is generated (RFC 5545 requires it; passing it keeps this
    function pure). ``component`` is ``VEVENT`` (all-day event on the deadline) or ``VTODO``
    (a to-do due on the deadline).
    """
    if component not in ("VEVENT", "VTODO"):
        raise ValueError("component must be VEVENT or VTODO")
    stamp = dtstamp.astimezone(UTC) if dtstamp.tzinfo else dtstamp.replace(tzinfo=UTC)
    stamp_text = stamp.strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", _prop("PRODID", PRODID), "CALSCALE:GREGORIAN"]
    if calendar_name:
        lines.append(_prop("X-WR-CALNAME", escape_text(calendar_name)))
    seen: set[str] = set()
    for doc, task in items:
        if not task.deadline:
            continue
        try:
            due = date.fromisoformat(task.deadline)
        except ValueError:
            continue
        uid = task_uid(doc, task)
        if uid in seen:
            continue
        seen.add(uid)
        day = due.strftime("%Y%m%d")
        lines += [f"BEGIN:{component}", _prop("UID", uid), f"DTSTAMP:{stamp_text}"]
        if component == "VEVENT":
            lines += [f"DTSTART;VALUE=DATE:{day}", f"DTEND;VALUE=DATE:{(due + timedelta(days=1)).strftime('%Y%m%d')}",
                      "TRANSP:TRANSPARENT"]
        else:
            lines += [f"DUE;VALUE=DATE:{day}", "STATUS:NEEDS-ACTION"]
        rule = _rrule(task)
        if rule:
            if component == "VTODO":
                lines.append(f"DTSTART;VALUE=DATE:{day}")
            lines.append(f"RRULE:{rule}")
        lines.append(_prop("SUMMARY", escape_text(_summary(task))))
        lines.append(_prop("DESCRIPTION", escape_text(_description(doc, task))))
        categories = [escape_text(u) for u in task.lead_units]
        if categories:
            lines.append(_prop("CATEGORIES", ",".join(categories)))
        lines.append(f"END:{component}")
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"
