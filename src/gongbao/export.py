"""Export: every document matching a search, as JSON lines, JSON or CSV.

One module for ``gongbao export`` and ``GET /api/export``, so the two write the same bytes. The
rows are :class:`~gongbao.store.base.DocRef` s (the document list: id, title, 文号, city, dates,
issue, section, type, issuer) or, with ``full``, each document's whole stored record (metadata,
body with source lines, outline, tables, tasks, citations both ways), as ``gongbao show --json``
prints it.

>>> from gongbao.store.base import DocRef
>>> ref = DocRef(7, "关于印发某办法的通知", "朔政发〔2020〕1号", "朔州市", 2020, "2020-03-02", 1,
...              issuer=["朔州市人民政府", "朔州市财政局"])
>>> print("".join(export_lines([ref], "csv")).lstrip("\\ufeff").replace("\\r\\n", "\\n"), end="")
id,title,doc_number,city,year,signed_date,issue_id,issue,section,doc_type,issuer
7,关于印发某办法的通知,朔政发〔2020〕1号,朔州市,2020,2020-03-02,1,,,,朔州市人民政府、朔州市财政局
>>> next(export_lines([ref], "jsonl"))[:50]
'{"id": 7, "title": "关于印发某办法的通知", "doc_number": "朔政'
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from gongbao.store.base import DocRef, Store

FORMATS = ("jsonl", "csv", "json")

#: The CSV columns: the fields of a DocRef; ``issuer`` joined with 、 when a document has several.
EXPORT_COLUMNS = ["id", "title", "doc_number", "city", "year", "signed_date", "issue_id", "issue", "section",
                  "doc_type", "issuer"]

MEDIA_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv", "json": "application/json"}


def join_issuer(issuer: str | list[str] | None) -> str:
    """One issuer string: several joint issuers joined with 、."""
    if issuer is None:
        return ""
    if isinstance(issuer, list):
        return "、".join(issuer)
    return issuer


def csv_row(ref: DocRef) -> dict[str, Any]:
    """A DocRef as a flat CSV row (see :data:`EXPORT_COLUMNS`)."""
    d = ref.to_dict()
    d["issuer"] = join_issuer(ref.issuer)
    return d


def export_lines(refs: Iterable[DocRef], fmt: str) -> Iterator[str]:
    """The export of ``refs`` in ``fmt`` (``jsonl``, ``csv`` or ``json``), as pieces of text to
    write or stream in order. CSV starts with a byte-order mark, so that spreadsheet programs read
    the Chinese as UTF-8, and ends rows with CRLF (RFC 4180)."""
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=EXPORT_COLUMNS, extrasaction="ignore", lineterminator="\r\n")
        writer.writeheader()
        yield "\ufeff" + buf.getvalue()
        for ref in refs:
            buf.seek(0)
            buf.truncate()
            writer.writerow(csv_row(ref))
            yield buf.getvalue()
        return
    yield from _json_lines((ref.to_dict() for ref in refs), fmt)


def full_records(store: Store, refs: Iterable[DocRef]) -> Iterator[dict[str, Any]]:
    """The whole stored record of each document in ``refs`` (skipping any deleted meanwhile)."""
    for ref in refs:
        doc = store.get_document(ref.id)
        if doc is not None:
            yield doc.to_dict()


def export_records_lines(records: Iterable[dict[str, Any]], fmt: str) -> Iterator[str]:
    """Whole records (nested: body, citations, tasks) as ``jsonl`` or ``json``; CSV cannot hold them."""
    if fmt not in ("jsonl", "json"):
        raise ValueError(f"full documents export as jsonl or json, not {fmt!r}")
    yield from _json_lines(records, fmt)


def _json_lines(rows: Iterable[dict[str, Any]], fmt: str) -> Iterator[str]:
    if fmt == "jsonl":
        for row in rows:
            yield json.dumps(row, ensure_ascii=False) + "\n"
        return
    if fmt != "json":
        raise ValueError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
    # One JSON array, written as it goes: one document per line between the brackets.
    sep = "[\n"
    for row in rows:
        yield sep + json.dumps(row, ensure_ascii=False)
        sep = ",\n"
    yield "[]\n" if sep == "[\n" else "\n]\n"
