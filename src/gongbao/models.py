"""Typed records that flow through gongbao: text -> Issue -> storage -> search/serve.

Every record that comes from the text carries 1-based source line numbers, so each value can be
traced back to the OCR lines it was read from. ``to_dict()`` gives the JSON form used by
``gongbao parse --json``; its document keys are those of docs/CONVENTIONS.md plus extras.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def plain(obj: Any) -> Any:
    """``dataclasses.asdict`` for these models, 4x faster: the models hold only dataclasses,
    lists, tuples, dicts and immutable scalars, so no deep copy of leaf values is needed (asdict
    spent half of an archive's per-document preparation time in its generic recursion)."""
    fields_ = getattr(type(obj), "__dataclass_fields__", None)
    if fields_ is not None:
        return {name: plain(getattr(obj, name)) for name in fields_}
    if isinstance(obj, list):
        return [plain(x) for x in obj]
    if isinstance(obj, tuple):
        return tuple(plain(x) for x in obj)
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    return obj


@dataclass(slots=True)
class ParseWarning:
    """Something a careful reader would flag; ``line`` points into the source text."""

    code: str  # short stable identifier, e.g. "toc_missing_in_body"
    message: str  # human-readable, Chinese or English
    line: int | None = None


@dataclass(slots=True)
class Paragraph:
    """One cleaned paragraph of a document body and the source lines it was rebuilt from."""

    text: str
    start_line: int
    end_line: int


@dataclass(slots=True)
class Heading:
    """A node of a document's heading tree (第X章 / 第X条 / 一、 / （一） / 1. / （1） / ①)."""

    kind: str  # "part" | "chapter" | "section" | "article" | "cn_item" | "paren_cn" | "arabic" | "paren_arabic" | "circled" | "decimal"
    level: int  # depth in the tree, 1 = top
    number: int | None  # the ordinal as an int (第三十二条 -> 32), None if unknown
    label: str  # the marker as printed and normalized, e.g. "第三十二条", "（一）"
    text: str  # heading text after the marker (may be the whole run-in sentence, trimmed)
    line: int
    children: list[Heading] = field(default_factory=list)


@dataclass(slots=True)
class Table:
    """A tab-separated block rebuilt as header + rows (merged cells kept as empty strings)."""

    header: list[str]
    rows: list[list[str]]
    start_line: int
    end_line: int
    title: str | None = None

    def to_csv(self) -> str:
        import csv
        import io

        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return buf.getvalue()


@dataclass(slots=True)
class PersonnelEntry:
    person: str
    action: str  # 任命 | 免去 | 提名任命 | 提名免去 | 试用期满正式任职 | 聘任 | 解聘
    position: str | None
    line: int | None = None


@dataclass(slots=True)
class Task:
    """A task/measure item with its responsible units and deadline (督办-style tracking)."""

    text: str  # the item as cleaned text (may be shortened to its first sentence)
    line: int  # source line of the item
    end_line: int
    label: str | None = None  # outline marker of the item, e.g. "（三）", "12."
    lead_units: list[str] = field(default_factory=list)  # normalized names (牵头/责任)
    support_units: list[str] = field(default_factory=list)  # normalized names (配合)
    units_raw: str | None = None  # the responsibility clause as printed
    deadline: str | None = None  # ISO date when it can be resolved
    deadline_text: str | None = None  # the phrase as printed (2020年底前, 每年8月底前, 长期坚持)
    deadline_kind: str | None = None  # "date" | "recurring" | "ongoing" | "relative" | None


@dataclass(slots=True)
class Citation:
    """A reference from a document to another: a normalized 文号 and/or a 《title》."""

    doc_number: str | None
    title: str | None
    raw: str
    line: int
    kind: str = "doc_number"  # "doc_number" | "order" (令) | "standard" | "title"


@dataclass(slots=True)
class TocEntry:
    section: str | None
    title: str
    doc_number: str | None
    page: int | None
    lines: list[int] = field(default_factory=list)  # source lines of the entry
    doc_number_raw: str | None = None


@dataclass(slots=True)
class Gazette:
    name: str | None = None
    city: str | None = None
    year: int | None = None
    issue: int | None = None
    total_issue: int | None = None
    published: str | None = None  # ISO date
    frequency: str | None = None
    editor_org: str | None = None
    chief_editor: str | None = None
    issue_editors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Document:
    title: str
    start_line: int
    end_line: int
    doc_number: str | None = None
    doc_number_raw: str | None = None
    registration_number: str | None = None  # 统一编号 of a normative document, e.g. DTGS—2023—003
    issuer: str | list[str] | None = None
    doc_type: str | None = None
    section: str | None = None
    recipients: str | None = None
    signed_date: str | None = None
    public_notice: str | None = None
    toc_page: int | None = None
    enclosures: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    cites: list[str] = field(default_factory=list)
    cites_other: list[str] = field(default_factory=list)
    personnel: list[PersonnelEntry] = field(default_factory=list)
    effective_date: str | None = None
    effective_clause: str | None = None
    validity_years: float | None = None
    valid_until: str | None = None
    repeals: list[str] = field(default_factory=list)
    has_table: bool = False
    title_raw: str | None = None
    title_line_end: int | None = None
    doc_number_line: int | None = None
    signature_line: int | None = None
    citations: list[Citation] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    body: list[Paragraph] = field(default_factory=list)
    outline: list[Heading] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The cleaned body as one string, paragraphs separated by newlines."""
        return "\n".join(p.text for p in self.body)


@dataclass(slots=True)
class Issue:
    gazette: Gazette
    toc: list[TocEntry]
    documents: list[Document]
    warnings: list[ParseWarning] = field(default_factory=list)
    line_count: int = 0
    parser_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return plain(self)
