"""The one storage interface of gongbao, and the records it returns.

Two implementations: :mod:`gongbao.store.sqlite` (default, a single file) and
:mod:`gongbao.store.postgres` (``postgresql://`` URLs). Open either with
:func:`gongbao.store.open_store`. Everything here is plain data: every record has ``to_dict()``
giving its JSON form (the shape of ``gongbao search --json`` and of the HTTP API).

Errors:

- :class:`QueryError` -- the user's input is bad (query syntax, cursor, filter value). Its message is
  meant for the user: the CLI prints it and exits 2, the web app answers 400.
- :class:`StoreError` -- the archive itself cannot be used (cannot open, schema too new, ...);
  the message names the database.

A Store may be shared by threads (the web app's thread pool): reads run concurrently, writes are
serialized. Writes are one transaction per issue: a reader never sees half an issue.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from typing import Any

from gongbao.models import Issue

# Each backend migrates its own schema and has its own version (``gongbao.store.sqlite.SCHEMA_VERSION``,
# ``gongbao.store.postgres.SCHEMA_VERSION``); an open archive tells its own: ``Store.schema_version()``.

#: Facet names, in display order, with their Chinese labels (城市, 年份, 栏目, 文种, 发文机关).
FACETS: dict[str, str] = {
    "city": "城市",
    "year": "年份",
    "section": "栏目",
    "doc_type": "文种",
    "issuer": "发文机关",
}

DEFAULT_LIMIT = 20
MAX_LIMIT = 1000


class StoreError(Exception):
    """The archive cannot do what was asked (unreadable file, schema too new, ...)."""


class QueryError(StoreError, ValueError):
    """Bad user input to search (query, cursor, filter). The message is for the user."""


@dataclass(slots=True)
class SearchFilters:
    """Filters of ``gongbao search`` / ``GET /api/search``; ``None`` means no filter.

    ``date_from``/``date_to`` are inclusive ISO dates (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``)
    compared with the document's 成文日期 (signed_date). ``issuer`` matches a document one of whose
    issuers is exactly this string (joint documents have several). ``doc_number`` is folded like
    every 文号 (``朔政办发[2020]36号`` == ``朔政办发〔2020〕36号``).
    """

    city: str | None = None
    year: int | None = None
    date_from: str | None = None
    date_to: str | None = None
    section: str | None = None
    doc_type: str | None = None
    issuer: str | None = None
    doc_number: str | None = None
    issue_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def is_empty(self) -> bool:
        return not self.to_dict()


@dataclass(slots=True)
class Hit:
    """One search result. ``snippet`` is plain text (not escaped); ``highlights`` are
    ``[start, end)`` character offsets into ``snippet`` of the matched query terms.
    Use :meth:`snippet_html` for an escaped snippet with ``<mark>`` around the matches."""

    id: int
    title: str
    doc_number: str | None
    city: str | None
    year: int | None
    signed_date: str | None
    section: str | None
    doc_type: str | None
    issuer: str | list[str] | None
    issue_id: int
    issue: int | None  # the gazette issue number (期)
    gazette: str | None  # the gazette's name
    snippet: str = ""
    highlights: list[tuple[int, int]] = field(default_factory=list)
    title_highlights: list[tuple[int, int]] = field(default_factory=list)
    score: float = 0.0

    def snippet_html(self) -> str:
        return highlight_html(self.snippet, self.highlights)

    def title_html(self) -> str:
        return highlight_html(self.title, self.title_highlights)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["highlights"] = [list(h) for h in self.highlights]
        d["title_highlights"] = [list(h) for h in self.title_highlights]
        return d


@dataclass(slots=True)
class FacetValue:
    value: str | int
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "count": self.count}


@dataclass(slots=True)
class SearchResult:
    """``total`` is exact. ``facets`` maps each name of :data:`FACETS` to values with exact
    counts over all matches (not just this page), largest first. ``next_cursor`` is an opaque
    string for the next page, ``None`` on the last page; paging has no depth limit."""

    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    next_cursor: str | None
    filters: SearchFilters = field(default_factory=SearchFilters)
    took_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "hits": [h.to_dict() for h in self.hits],
            "facets": {k: [v.to_dict() for v in vs] for k, vs in self.facets.items()},
            "next_cursor": self.next_cursor,
            "filters": self.filters.to_dict(),
            "took_ms": round(self.took_ms, 2),
        }


@dataclass(slots=True)
class DocRef:
    """A short reference to a stored document (lists, cited-by, 文号 lookups, export)."""

    id: int
    title: str
    doc_number: str | None
    city: str | None
    year: int | None
    signed_date: str | None
    issue_id: int
    issue: int | None = None
    section: str | None = None
    doc_type: str | None = None
    issuer: str | list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class CitationLink:
    """A reference from a document. ``target_id`` is the stored document with that 文号 (the one in
    the same city when several are stored), or ``None`` while the cited document is not archived."""

    doc_number: str | None
    title: str | None
    raw: str
    line: int | None
    kind: str
    target_id: int | None = None
    target_title: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class CitedBy:
    """A stored document that cites this one, with the printed reference and its line."""

    ref: DocRef
    raw: str
    line: int | None

    def to_dict(self) -> dict[str, Any]:
        return {**self.ref.to_dict(), "raw": self.raw, "line": self.line}


@dataclass(slots=True)
class IssueSummary:
    id: int
    name: str | None
    city: str | None
    year: int | None
    issue: int | None
    total_issue: int | None
    published: str | None
    document_count: int
    source_name: str
    content_hash: str
    ingested_at: str  # ISO timestamp (UTC)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class IssueRecord:
    """A stored issue: masthead (``gazette``, the dict of :class:`gongbao.models.Gazette`), the 目录
    (``toc``: dicts of :class:`gongbao.models.TocEntry`, each with ``document_id`` when it maps to
    a stored document), its documents in order, and the parser's issue-level warnings."""

    summary: IssueSummary
    gazette: dict[str, Any]
    toc: list[dict[str, Any]]
    documents: list[DocRef]
    warnings: list[dict[str, Any]]
    line_count: int
    parser_version: str

    @property
    def id(self) -> int:
        return self.summary.id

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.summary.to_dict(),
            "gazette": self.gazette,
            "toc": self.toc,
            "documents": [d.to_dict() for d in self.documents],
            "warnings": self.warnings,
            "line_count": self.line_count,
            "parser_version": self.parser_version,
        }


@dataclass(slots=True)
class DocumentRecord:
    """Everything stored about one document.

    ``fields`` is the parser's whole document dict (``Document`` as JSON: enclosures, attachments,
    effective_date, validity_years, repeals, title_raw, ... everything, so new parser fields show
    up without a schema change). ``body`` items are ``{"text", "start_line", "end_line"}``;
    ``outline`` is the heading tree (dicts with ``children``); ``tables`` are
    ``{"header", "rows", "start_line", "end_line", "title"}``. Line numbers are 1-based lines of
    the issue's source text (see :meth:`Store.source_lines`).
    """

    id: int
    issue_id: int
    seq: int  # position in the issue, 0-based
    title: str
    doc_number: str | None
    issuer: str | list[str] | None
    doc_type: str | None
    section: str | None
    recipients: str | None
    signed_date: str | None
    public_notice: str | None
    toc_page: int | None
    start_line: int
    end_line: int
    gazette: dict[str, Any]
    body: list[dict[str, Any]]
    outline: list[dict[str, Any]]
    tables: list[dict[str, Any]]
    personnel: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    citations: list[CitationLink]
    cited_by: list[CitedBy]
    fields: dict[str, Any]
    source_name: str = ""

    @property
    def city(self) -> str | None:
        return self.gazette.get("city")

    @property
    def text(self) -> str:
        return "\n".join(p["text"] for p in self.body)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["citations"] = [c.to_dict() for c in self.citations]
        d["cited_by"] = [c.to_dict() for c in self.cited_by]
        d["city"] = self.city
        return d


@dataclass(slots=True)
class StoreOutcome:
    """What :meth:`Store.store_issue` did: ``status`` is ``"added"``, ``"unchanged"`` or
    ``"replaced"`` (a different text of an issue with the same city, year and number)."""

    status: str
    issue_id: int
    documents: int
    warnings: int = 0


@dataclass(slots=True)
class StoreStats:
    issues: int
    documents: int
    citations: int
    resolved_citations: int
    schema_version: int
    backend: str
    location: str
    #: Issues that another parser version made (``gongbao reparse`` parses them again).
    stale_issues: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Store(ABC):
    """The archive. Implementations: ``SQLiteStore``, ``PostgresStore``."""

    backend: str = ""
    #: Where the archive lives: a file path or a URL without password.
    location: str = ""

    # -- lifecycle -------------------------------------------------------------------------
    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def schema_version(self) -> int: ...

    # -- writing ---------------------------------------------------------------------------
    @abstractmethod
    def store_issue(
        self, issue: Issue, *, content_hash: str, source_name: str, source_text: str | None = None
    ) -> StoreOutcome:
        """Store one parsed issue in one transaction.

        Identity: ``content_hash`` (of the source text) and (city, year, issue number). The same
        hash again -> ``unchanged`` (nothing written); another hash for a stored (city, year,
        issue) -> ``replaced`` atomically (document ids are kept by position); else ``added``.
        ``source_text`` (the decoded text) is kept for the "source lines" view.
        """

    def batch(self) -> AbstractContextManager[None]:
        """Group many ``store_issue`` calls into one transaction for speed. Each issue stays all or
        nothing (a failing issue is rolled back alone); a crash loses at most the open batch."""
        return nullcontext()

    def known_hashes(self, parser_version: str | None = None) -> set[str]:
        """Content hashes of stored issues (parsed by ``parser_version`` when given)."""
        return set()

    @abstractmethod
    def has_content(self, content_hash: str) -> int | None:
        """The id of the stored issue with this content hash, if any (lets ingest skip parsing)."""

    @abstractmethod
    def delete_issue(self, issue_id: int) -> bool:
        """Remove an issue and its documents; False when there was no such issue."""

    @abstractmethod
    def backup(
        self, dest: str, *, overwrite: bool = False, progress: Callable[[int, int], None] | None = None
    ) -> int:
        """Write a consistent copy of the archive to the file ``dest`` while the archive stays in
        use; returns the copy's size in bytes. SQLite: an archive file itself (``--db dest``),
        checked with ``PRAGMA quick_check``; PostgreSQL: a ``pg_dump`` custom-format file (restore
        with ``pg_restore --dbname URL dest`` into an empty database). The copy is written under a
        temporary name and renamed into place only when complete, so a failed backup leaves no
        partial file and keeps an earlier one. An existing ``dest`` is replaced only with
        ``overwrite``. ``progress(done, total)``: bytes copied so far and in all (SQLite; called as
        the copy advances)."""

    # -- searching -------------------------------------------------------------------------
    @abstractmethod
    def optimize(self) -> None:
        """Reorganize the archive for faster search after a large ingest (results do not change).
        Optional; takes long on a large archive and holds the write lock meanwhile."""

    @abstractmethod
    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        *,
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
        facets: bool = True,
        snippets: bool = True,
        order: str = "relevance",
    ) -> SearchResult:
        """Find documents whose title or body contains the query (see :mod:`gongbao.store.query`
        for the syntax: words/phrases, ``"..."``, ``OR``, ``-exclude``, 文号). An empty query
        lists every document that passes the filters, newest first. ``order="newest"`` lists a
        text query's matches most recently added first (see :data:`~gongbao.store.common.ORDERS`).
        Raises :class:`QueryError` for bad input (bad cursor, limit out of range, bad date, order)."""

    @abstractmethod
    def iter_matches(self, query: str, filters: SearchFilters | None = None) -> Iterator[DocRef]:
        """Every match of a search, in a stable order, without a cap (streaming export)."""

    # -- reading ---------------------------------------------------------------------------
    @abstractmethod
    def get_document(self, doc_id: int) -> DocumentRecord | None: ...

    @abstractmethod
    def find_by_doc_number(self, doc_number: str) -> list[DocRef]:
        """Documents with this 文号 (any printed variant), oldest issue first."""

    def resolve(self, ref: str | int) -> DocumentRecord | None:
        """A document by id (``123``) or by 文号 (``朔政办发[2020]36号``); None if not stored."""
        from gongbao.store.query import looks_like_doc_number

        text = str(ref).strip()
        if text.isdigit():
            return self.get_document(int(text))
        if looks_like_doc_number(text):
            refs = self.find_by_doc_number(text)
            return self.get_document(refs[0].id) if refs else None
        return None

    @abstractmethod
    def list_issues(self, city: str | None = None, year: int | None = None) -> list[IssueSummary]:
        """Stored issues, by city, year and issue number."""

    @abstractmethod
    def get_issue(self, issue_id: int) -> IssueRecord | None: ...

    @abstractmethod
    def source_lines(self, issue_id: int, start: int, end: int) -> list[str]:
        """Lines ``start..end`` (1-based, inclusive) of the issue's stored source text."""

    @abstractmethod
    def issue_source(self, issue_id: int) -> tuple[str, str] | None:
        """(source name, whole source text) of a stored issue: the text its content hash is of."""

    @abstractmethod
    def stale_issues(self, parser_version: str) -> list[int]:
        """Ids of the stored issues that another parser version made (``gongbao reparse``)."""

    @abstractmethod
    def stats(self) -> StoreStats: ...

    def is_empty(self) -> bool:
        return self.stats().issues == 0

    def warm(self, max_fraction: float = 0.5) -> int:
        """Ask the operating system to read the archive into its page cache, so that the first
        searches after a start do not wait for the disk; only when it takes at most
        ``max_fraction`` of the memory available. Returns the bytes requested (0: nothing to do)."""
        return 0


def highlight_html(text: str, spans: list[tuple[int, int]]) -> str:
    """Escape ``text`` for HTML and wrap each ``[start, end)`` span in ``<mark>``."""
    from html import escape

    out: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        if start < pos:
            start = pos
        if end <= start:
            continue
        out.append(escape(text[pos:start]))
        out.append("<mark>" + escape(text[start:end]) + "</mark>")
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)
