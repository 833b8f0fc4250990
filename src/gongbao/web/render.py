"""View models for the HTML pages: pure functions from store records to what templates show.

All text that comes from a document is escaped here or by Jinja2's autoescape; the only markup
produced here is ``<a>``/``<span>``/``<mark>`` built around already-escaped text.
"""

from __future__ import annotations

import re
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

_DATE_LINE = re.compile(r"^[\d〇零一二三四五六七八九十○Ｏ０-９]{2,4}\s*年\s*[\d一二三四五六七八九十０-９]{1,3}\s*月\s*[\d一二三四五六七八九十０-９]{1,3}\s*日$")

CITATION_KINDS = {"doc_number": "文号", "order": "令", "standard": "标准", "title": "文件名"}


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
    sign: bool = False  # the signature or its date: right-aligned like the printed page
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
    headings = {int(h["line"]): h for h in _flatten(doc.outline) if isinstance(h.get("line"), int)}
    heading_lines = set(headings)
    sig_line = doc.fields.get("signature_line") if isinstance(doc.fields, dict) else None
    after_sig = False
    for p in doc.body:
        s, e = int(p.get("start_line") or 0), int(p.get("end_line") or 0)
        # A paragraph rebuilt from the lines of a table would show the table twice.
        if any(b.kind == "table" and b.start <= s and e <= b.end for b in blocks[: len(tables)]):
            continue
        text = str(p.get("text", ""))
        cits = [c for c in doc.citations if c.line is None or s <= c.line <= e]
        block = Block(kind="p", start=s, end=e, anchor=f"L{s}")
        head = headings.get(s)
        label, htext = (str(head.get("label") or ""), str(head.get("text") or "")) if head else ("", "")
        if head and len(text) <= len(label) + len(htext) + 2:
            block.heading = True  # a heading on its own line
            block.html = link_citations(text, cits)
        elif head and label and text.startswith(label):
            # A run-in heading (（一）检查内容。...): bold the marker and its words only.
            lead = label + htext if htext and text[len(label):].startswith(htext) else label
            block.html = Markup("<strong>") + lead + Markup("</strong>") + link_citations(text[len(lead):], cits)
        else:
            block.html = link_citations(text, cits)
        is_sig = isinstance(sig_line, int) and s <= sig_line <= e
        block.sign = is_sig or (after_sig and len(text) <= 20 and _DATE_LINE.match(text) is not None)
        after_sig = is_sig
        blocks.append(block)
    blocks.sort(key=lambda b: (b.start, b.kind != "table"))
    # The signing organ stands right above a right-aligned date: align it with the date.
    for prev, b in zip(blocks, blocks[1:], strict=False):
        if b.sign and prev.kind == "p" and not prev.heading and not prev.sign and prev.end >= b.start - 3 \
                and len(str(prev.html)) <= 40 and isinstance(sig_line, int) and prev.start <= sig_line + 1:
            prev.sign = True
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
