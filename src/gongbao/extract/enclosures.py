"""Enclosures (texts a notice 印发/转发 and prints after itself) and attachments (附件)."""

from __future__ import annotations

from gongbao.models import Document
from gongbao.segment.lines import Lines


def fill(doc: Document, lines: Lines, head_end: int, recipients_line: int | None) -> None:
    doc.enclosures = []
    doc.attachments = []
