"""parse_issue: text of one gazette issue -> Issue. Pure: no I/O, no globals mutated.

Flow: lines -> masthead + 目录 -> document spans (anchored on 文号 lines, completed from the 目录)
-> per-document extraction (head, signature, enclosures, citations, validity, people, body,
outline, tables) -> cross-checks between 目录 and body that become warnings.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from gongbao.extract import citations, enclosures, metadata, personnel, tasks, validity
from gongbao.extract.doc_number import brackets_balanced
from gongbao.models import Document, Gazette, Issue, ParseWarning, TocEntry
from gongbao.normalize import LineCleaner
from gongbao.segment.documents import (
    SECTION_LINE,
    DocSpan,
    extend_titles_from_toc,
    find_anchors,
    find_title_line,
    set_ends,
)
from gongbao.segment.lines import Lines, soft_key
from gongbao.segment.masthead import parse_masthead
from gongbao.segment.toc import RawTocEntry, best_title, find_toc_heading, parse_toc


def sources_digest(root: Path, files: Iterable[Path]) -> str:
    """16 hex digits of sha256 over ``files`` (their paths relative to ``root`` and their bytes);
    "" when one cannot be read (a frozen or zipped install)."""
    h = hashlib.sha256()
    try:
        for path in files:
            h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    except OSError:
        return ""
    return h.hexdigest()[:16]


def _parser_files(root: Path) -> list[Path]:
    """The modules whose code decides what ``parse_issue`` returns."""
    return [root / "parse.py", root / "models.py", root / "normalize.py",
            *sorted((root / "segment").glob("*.py")), *sorted((root / "extract").glob("*.py"))]


# The parser's version: the release and a digest of the parser's own sources. An archive stores it
# with every issue; an issue parsed by other code is re-parsed when its file is ingested again
# (``gongbao reparse`` does it from the stored text). So a change to the parser takes effect in an
# archive without anyone remembering to bump a number (a change to a comment re-parses too: cheap,
# and never wrong).
PARSER_RELEASE = "0.1.0"
_DIGEST = sources_digest(Path(__file__).resolve().parent, _parser_files(Path(__file__).resolve().parent))
PARSER_VERSION = f"{PARSER_RELEASE}+{_DIGEST}" if _DIGEST else PARSER_RELEASE


def parse_issue(text: str) -> Issue:
    """Parse the text of one gazette issue into its masthead, 目录 and documents.

    >>> issue = parse_issue(open("src/gongbao/data/samples/shuozhou-2020-03.txt").read())
    >>> issue.gazette.city, len(issue.documents)
    ('朔州市', 13)
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = Lines.from_text(text)
    warnings: list[ParseWarning] = []

    spans = find_anchors(lines)
    first_doc = spans[0].start_line if spans else len(lines) + 1
    toc_head = find_toc_heading(lines, first_doc - 1)
    raw_toc = parse_toc(lines, toc_head + 1, first_doc - 1) if toc_head else []
    gazette = parse_masthead(lines, (toc_head or first_doc) - 1)

    extend_titles_from_toc(lines, spans, {e.doc_number: e.default_title() for e in raw_toc if e.doc_number})
    spans = _add_documents_without_number(lines, spans, raw_toc, first_doc)
    set_ends(lines, spans)
    body_sections = _body_section_headers(lines, spans)

    clean = LineCleaner()  # one memo of cleaned lines and cells for the whole issue
    documents = [_build_document(lines, span, gazette, clean) for span in spans]
    toc = _align_toc(raw_toc, documents, warnings)
    for doc, section in zip(documents, body_sections, strict=True):
        doc.section = doc.section or section
    _assign_sections(documents)

    _cross_checks(gazette, toc, documents, warnings)
    if not documents:
        warnings.append(ParseWarning("no_documents", "未识别出任何公文（没有找到文号行或目录条目）"))
    if gazette.name is None:
        warnings.append(ParseWarning("no_masthead", "未识别出刊名（刊头）"))
    return Issue(gazette=gazette, toc=toc, documents=documents, warnings=warnings,
                 line_count=len(lines), parser_version=PARSER_VERSION)


def _add_documents_without_number(
    lines: Lines, spans: list[DocSpan], raw_toc: list[RawTocEntry], body_start: int
) -> list[DocSpan]:
    """Documents listed in the 目录 without a 文号 are located by their title in the body."""
    known = {_number_key(s.doc_number) for s in spans if s.doc_number}
    added = list(spans)
    for entry in raw_toc:
        if entry.doc_number and _number_key(entry.doc_number) in known:
            continue
        found = find_title_line(lines, entry.default_title(), body_start, len(lines))
        if found and all(not (s.start_line <= found[0] <= (s.doc_number_line or s.title_end)) for s in added):
            added.append(DocSpan(start_line=found[0], title_end=found[1], doc_number_line=None, end_line=0))
    added.sort(key=lambda s: s.start_line)
    return added


def _cross_checks(gazette: Gazette, toc: list[TocEntry], documents: list[Document],
                  warnings: list[ParseWarning]) -> None:
    """Checks a careful reader makes across the issue."""
    pages = [(t.page, t.lines[0] if t.lines else None) for t in toc if t.page is not None]
    for (a, _), (b, line) in zip(pages, pages[1:], strict=False):
        if b < a:
            warnings.append(ParseWarning("toc_page_order", f"目录页码倒序：{a} 之后是 {b}", line))
    seen: dict[str, int] = {}
    for doc in documents:
        if doc.doc_number:
            if doc.doc_number in seen:
                doc.warnings.append(ParseWarning(
                    "duplicate_doc_number", f"文号与第{seen[doc.doc_number]}行的公文重复", doc.doc_number_line))
            seen.setdefault(doc.doc_number, doc.start_line)
        if gazette.published and doc.signed_date and doc.signed_date > gazette.published:
            doc.warnings.append(ParseWarning(
                "signed_after_publication", f"成文日期 {doc.signed_date} 晚于出版日期 {gazette.published}",
                doc.signature_line))


def _number_key(number: str) -> str:
    """A 令 is printed as 忻州市人民政府令第3号 in the body and 市政府令第3号 in the 目录: key on 令第N号."""
    return "令" + number.split("令")[-1] if "令第" in number else number


def _build_document(lines: Lines, span: DocSpan, gazette: Gazette, clean: LineCleaner) -> Document:
    head_end = span.head_end
    is_order = bool(span.doc_number and "令第" in span.doc_number)
    title = metadata.title_of(lines, span.title_first, span.title_end)
    if is_order:
        title = _order_title(lines, span) or title
    doc = Document(
        title=title,
        start_line=span.start_line,
        end_line=span.end_line,
        doc_number=span.doc_number,
        doc_number_raw=span.doc_number_raw,
        registration_number=span.registration_number,
        doc_type=metadata.doc_type_of(title),
        title_line_end=span.title_end,
        doc_number_line=span.doc_number_line,
    )
    doc.recipients, recipients_line = metadata.find_recipients(lines, head_end, span.end_line)
    sig = metadata.find_signature(lines, head_end + 1, span.end_line)
    if sig:
        doc.issuer, doc.signed_date, doc.signature_line = sig.issuer, sig.date, sig.line
        if is_order and span.doc_number:
            doc.issuer = span.doc_number.split("令第")[0]
            doc.doc_type = "令"
    else:
        doc.issuer = _issuer_from_title(title)
        doc.warnings.append(ParseWarning("no_signature", "未找到落款（发文机关署名和成文日期）", span.start_line))
    doc.public_notice, _ = metadata.find_public_notice(lines, head_end + 1, span.end_line)
    if span.doc_number_raw and not brackets_balanced(span.doc_number_raw):
        doc.warnings.append(ParseWarning(
            "unbalanced_brackets", f"文号括号不配对：{span.doc_number_raw}", span.doc_number_line))
    if doc.recipients is None and doc.doc_type not in ("令", "公告", "通告", "公报", "决议", "命令"):
        doc.warnings.append(ParseWarning("no_recipients", "未找到主送机关", head_end + 1))

    enclosures.fill(doc, lines, head_end, recipients_line)
    citations.fill(doc, lines)
    validity.fill(doc, lines)
    personnel.fill(doc, lines)
    tasks.fill(doc, lines.raw, gazette.city)
    _structure(doc, lines, clean)
    return doc


def _order_title(lines: Lines, span: DocSpan) -> str | None:
    """A 令 is known by the rule it promulgates: 《X》已经…通过，现予公布."""
    n = lines.next_nonblank(span.head_end)
    if n is None:
        return None
    m = re.search(r"《([^《》]{2,80})》", lines.c(n))
    return m.group(1) if m and ("公布" in lines.c(n) or "发布" in lines.c(n)) else None


def _structure(doc: Document, lines: Lines, clean: LineCleaner) -> None:
    """Body paragraphs, outline and tables, where those extractors are available."""
    try:
        from gongbao.extract.body import clean_paragraphs
    except ImportError:  # pragma: no cover - during development of the extractors
        return
    doc.body = clean_paragraphs(lines.raw, (doc.doc_number_line or doc.title_line_end or doc.start_line) + 1,
                                doc.end_line, clean)
    from gongbao.extract.outline import build_outline
    from gongbao.extract.tables import extract_tables

    doc.outline, outline_warnings = build_outline(doc.body)
    doc.warnings.extend(outline_warnings)
    doc.tables = extract_tables(lines.raw, doc.start_line, doc.end_line, clean)
    doc.has_table = bool(doc.tables)


def _issuer_from_title(title: str) -> str | None:
    head = title.split("关于")[0] if "关于" in title else ""
    return head or None


def _align_toc(raw_toc: list[RawTocEntry], documents: list[Document], warnings: list[ParseWarning]) -> list[TocEntry]:
    """Match 目录 entries to body documents (by 文号, else by title) and report differences."""
    by_number = {d.doc_number: d for d in documents if d.doc_number}
    by_title = {soft_key(d.title): d for d in documents}
    matched: set[int] = set()
    toc: list[TocEntry] = []
    for entry in raw_toc:
        doc = by_number.get(entry.doc_number) if entry.doc_number else None
        if doc is None:
            doc = by_title.get(soft_key(entry.default_title()))
        title = best_title(entry, doc.title if doc else None)
        toc.append(TocEntry(entry.section, title, entry.doc_number, entry.page, entry.lines, entry.doc_number_raw))
        line = entry.lines[0] if entry.lines else None
        if doc is None:
            warnings.append(ParseWarning("toc_missing_in_body", f"目录条目在正文中未找到：{title}", line))
            continue
        matched.add(id(doc))
        doc.toc_page = entry.page
        if entry.section:
            doc.section = entry.section
        if soft_key(title) != soft_key(doc.title):
            doc.warnings.append(ParseWarning(
                "toc_title_differs", f"目录标题与正文标题不同：目录为「{title}」", line))
    for doc in documents:
        if raw_toc and id(doc) not in matched:
            warnings.append(ParseWarning("body_missing_in_toc", f"正文公文不在目录中：{doc.title}", doc.start_line))
    return toc


def _body_section_headers(lines: Lines, spans: list[DocSpan]) -> list[str | None]:
    """栏目 headers printed in the body (【市政府文件】) above a document's title. The header is
    cut off the end of the previous document."""
    current: str | None = None
    out: list[str | None] = []
    for i, span in enumerate(spans):
        p = lines.prev_nonblank(span.start_line, max(1, span.start_line - 4))
        m = SECTION_LINE.match(lines.c(p)) if p else None
        if m and p is not None:
            current = re.sub(r"\s+", "", m.group("name"))
            if i > 0 and spans[i - 1].end_line >= p:
                spans[i - 1].end_line = p - 1
        out.append(current)
    return out


def _assign_sections(documents: list[Document]) -> None:
    """Documents without a 目录 entry get the section that documents of the same 文号 kind have."""
    by_prefix: dict[str, Counter[str]] = {}
    for doc in documents:
        if doc.section and doc.doc_number:
            by_prefix.setdefault(doc.doc_number.split("〔")[0], Counter())[doc.section] += 1
    for doc in documents:
        if doc.section is None and doc.doc_number:
            counts = by_prefix.get(doc.doc_number.split("〔")[0])
            if counts:
                doc.section = counts.most_common(1)[0][0]
