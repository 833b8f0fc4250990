"""View models for the HTML pages: pure functions from store records to what templates show.

All text that comes from a document is escaped here or by Jinja2's autoescape; the only markup
produced here is ``<a>``/``<span>``/``<mark>`` built around already-escaped text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup

from gongbao.store.base import CitationLink, DocumentRecord

#: Labels of the metadata panel, in display order.
META_LABELS: list[tuple[str, str]] = [
    ("doc_number", "文号"),
    ("issuer", "发文机关"),
    ("doc_type", "文种"),
    ("signed_date", "成文日期"),
    ("section", "栏目"),
    ("recipients", "主送"),
    ("public_notice", "公开属性"),
]

CITATION_KINDS = {"doc_number": "文号", "order": "令", "standard": "标准", "title": "文件名"}


def join_issuer(issuer: str | list[str] | None) -> str:
    if issuer is None:
        return ""
    if isinstance(issuer, list):
        return "、".join(issuer)
    return issuer


def query_string(params: dict[str, Any], **changes: Any) -> str:
    """``?a=1&b=2`` from ``params`` updated by ``changes``; ``None``/empty values are dropped."""
    merged = {**params, **changes}
    items = [(k, str(v)) for k, v in merged.items() if v is not None and str(v) != ""]
    return "?" + urlencode(items) if items else "?"


@dataclass(slots=True)
class Block:
    """One piece of the document body: a paragraph or a table, with its source-line span."""

    kind: str  # "p" | "table"
    start: int
    end: int
    html: Markup = Markup("")
    anchor: str = ""
    heading: bool = False
    table: dict[str, Any] | None = None
    source: list[tuple[int, str]] = field(default_factory=list)


def link_citations(text: str, citations: list[CitationLink], doc_url: str = "/documents/") -> Markup:
    """Escape ``text`` and link every printed citation in it: to the cited document when it is in
    the archive, else mark it as a citation that is not (yet) archived."""
    spans: list[tuple[int, int, CitationLink]] = []
    for cit in citations:
        for needle in dict.fromkeys(x for x in (cit.raw, cit.doc_number) if x):
            start = text.find(needle)
            while start != -1:
                end = start + len(needle)
                if not any(s < end and start < e for s, e, _ in spans):
                    spans.append((start, end, cit))
                start = text.find(needle, end)
    spans.sort(key=lambda s: s[0])
    out: list[str] = []
    pos = 0
    for start, end, cit in spans:
        out.append(escape(text[pos:start]))
        shown = escape(text[start:end])
        if cit.target_id is not None:
            title = escape(cit.target_title or "", quote=True)
            out.append(f'<a class="cite" href="{doc_url}{int(cit.target_id)}" title="{title}">{shown}</a>')
        else:
            out.append(f'<span class="cite cite-missing" title="未收录于本档案">{shown}</span>')
        pos = end
    out.append(escape(text[pos:]))
    return Markup("".join(out))


def _flatten(outline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for node in outline:
        flat.append(node)
        flat.extend(_flatten(node.get("children") or []))
    return flat


def body_blocks(doc: DocumentRecord, source: dict[int, str]) -> tuple[list[Block], dict[int, str]]:
    """Paragraphs and tables in reading order, with the citations linked, each with its anchor and
    source lines. Returns the blocks and a map heading line -> anchor (for the outline sidebar)."""
    tables = [t for t in doc.tables if isinstance(t, dict)]
    blocks: list[Block] = []
    for t in tables:
        s, e = int(t.get("start_line") or 0), int(t.get("end_line") or 0)
        blocks.append(Block(kind="table", start=s, end=e, anchor=f"L{s}", table=t))
    heading_lines = {int(h["line"]) for h in _flatten(doc.outline) if isinstance(h.get("line"), int)}
    for p in doc.body:
        s, e = int(p.get("start_line") or 0), int(p.get("end_line") or 0)
        # A paragraph rebuilt from the lines of a table would show the table twice.
        if any(b.kind == "table" and b.start <= s and e <= b.end for b in blocks[: len(tables)]):
            continue
        cits = [c for c in doc.citations if c.line is None or s <= c.line <= e]
        blocks.append(
            Block(kind="p", start=s, end=e, anchor=f"L{s}", html=link_citations(str(p.get("text", "")), cits),
                  heading=s in heading_lines)
        )
    blocks.sort(key=lambda b: (b.start, b.kind != "table"))
    seen: set[str] = set()
    for b in blocks:
        if b.anchor in seen:
            b.anchor = f"{b.anchor}-{b.kind}"
        seen.add(b.anchor)
        b.source = [(n, source[n]) for n in range(b.start, b.end + 1) if n in source]
    anchors: dict[int, str] = {}
    for line in heading_lines:
        for b in blocks:
            if b.start <= line <= b.end:
                anchors[line] = b.anchor
                break
    return blocks, anchors


@dataclass(slots=True)
class OutlineNode:
    label: str
    text: str
    href: str
    children: list[OutlineNode]


def outline_nodes(outline: list[dict[str, Any]], anchors: dict[int, str], source_href: str) -> list[OutlineNode]:
    """The heading tree with a link per heading: the body paragraph holding the heading's line, or
    that line in the source view when the body has no such paragraph."""
    nodes: list[OutlineNode] = []
    for h in outline:
        if not isinstance(h, dict):
            continue
        line = h.get("line")
        if isinstance(line, int) and line in anchors:
            href = f"#{anchors[line]}"
        elif isinstance(line, int):
            href = f"{source_href}#L{line}"
        else:
            href = "#body"
        text = str(h.get("text") or "")
        if len(text) > 40:
            text = text[:40] + "…"
        nodes.append(
            OutlineNode(label=str(h.get("label") or ""), text=text, href=href,
                        children=outline_nodes(h.get("children") or [], anchors, source_href))
        )
    return nodes
