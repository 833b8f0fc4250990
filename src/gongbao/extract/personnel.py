"""人事任免: appointment and removal events from personnel notices.

Handles a verb that governs a list (``任命：`` then ``X为Y；`` lines), inline forms (``任命X为Y``,
``免去X的Y职务``), 提名, 聘任/解聘 and 试用期满正式任职. The shape of a line decides between
appointment (``X为Y``) and removal (``X的Y职务``), which survives OCR reading-order errors that
print a list before its verb.
"""

from __future__ import annotations

import re

from gongbao.models import Document, PersonnelEntry
from gongbao.segment.lines import Lines

_PERSONNEL_TITLE = re.compile(r"任免|任职|免职|任命|免去|聘任|解聘|职务")
_HEADER = re.compile(r"(提名任命|提名免去|任命|免去|聘任|解聘|提名)[:：]\s*$")
_NAME = r"[\u4e00-\u9fff](?:\s?[\u4e00-\u9fff]){1,3}"
_APPOINT = re.compile(rf"(?:任命|聘任|提名|^|[，,。；;：:])\s*(?P<p>{_NAME})\s*为(?P<pos>[^；;。，,]{{2,60}}?)(?:[；;。，,]|$)")
_REMOVE = re.compile(rf"(?:免去|解聘|^|[，,。；;：:])\s*(?P<p>{_NAME})\s*的(?P<pos>[^；;。]{{2,60}}?)职务")
_SPACE = re.compile(r"\s+")


def _clean(text: str) -> str:
    return _SPACE.sub("", text)


def fill(doc: Document, lines: Lines) -> None:
    """Set ``doc.personnel`` for 人事任免 documents (left empty for others)."""
    if not _PERSONNEL_TITLE.search(doc.title or ""):
        return
    start = (doc.doc_number_line or doc.title_line_end or doc.start_line) + 1
    end = doc.signature_line or doc.end_line
    probation = "试用期满" in "".join(lines.raw[start - 1:end])
    header = ""
    entries: list[PersonnelEntry] = []
    for n in range(start, end + 1):
        raw = lines.raw[n - 1].strip()
        if not raw:
            continue
        text = re.sub(r"[（(]此件[^）)]*[)）]", "", raw)
        hm = _HEADER.search(_clean(text))
        if hm:
            header = hm.group(1)
        for m in _APPOINT.finditer(text):
            person = _clean(m.group("p"))
            if header.startswith("提名"):
                action = "提名任命"
            elif header == "聘任":
                action = "聘任"
            elif probation:
                action = "试用期满正式任职"
            else:
                action = "任命"
            entries.append(PersonnelEntry(person, action, _clean(m.group("pos")), n))
        for m in _REMOVE.finditer(text):
            person = _clean(m.group("p"))
            action = "提名免去" if header.startswith("提名") else ("解聘" if header == "解聘" else "免去")
            entries.append(PersonnelEntry(person, action, _clean(m.group("pos")), n))
    doc.personnel = entries
