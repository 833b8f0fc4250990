"""What both backends share: turning a parsed Issue into rows (pure, runs in ingest workers),
filter validation, cursors and snippets."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from gongbao.models import Document, Issue, Paragraph, plain
from gongbao.store.base import (
    CitationLink,
    CitedBy,
    DocRef,
    DocumentRecord,
    IssueRecord,
    IssueSummary,
    QueryError,
    SearchFilters,
    StoreError,
)
from gongbao.store.query import Query
from gongbao.store.tokenize import (
    bigram_index,
    bigram_tokens,
    chars_index,
    fold,
    fold_with_offsets,
)

# The large stored texts (SQLite: source text, document JSON, body) are zlib streams, made with
# Intel's ISA-L (python-isal) when it is installed: the same format, read back by the standard
# zlib module, in a quarter of the CPU. Measured on the 3,013 documents of a synthetic corpus
# (benchmarks/synth.py, 50 KB of these texts per document), CPU per document / bytes kept:
# zlib level 1 0.47 ms / 34.1%, isal level 1 0.12 ms / 34.9%, isal level 2 0.13 ms / 34.2%
# (zlib level 6: 1.30 ms / 30.0%). On a 2-core machine the ingest workers and the writer share the
# CPU, so what compression costs is ingest throughput lost.
try:
    from isal import isal_zlib as _deflate
except ImportError:  # pragma: no cover - a platform without an isal wheel
    _deflate = None
ZLIB_LEVEL = 1  # when isal is missing
ISAL_LEVEL = 2


def compress_text(text: str | bytes) -> bytes:
    """A text as a zlib stream of its UTF-8 bytes (what ``decompress_text`` reads)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if _deflate is not None:
        return _deflate.compress(data, ISAL_LEVEL)
    return zlib.compress(data, ZLIB_LEVEL)


def decompress_text(value: str | bytes | None) -> str | None:
    """A stored text: zlib-compressed UTF-8 (``bytes``), or plain ``str`` as older archives kept it."""
    if value is None or isinstance(value, str):
        return value
    return zlib.decompress(value).decode("utf-8")


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def model_json(obj: Any) -> bytes:
    """``dumps(plain(obj))`` as UTF-8, for the parser's models (dataclasses, lists, scalars):
    orjson writes the same bytes (checked on all 3,013 documents of a synthetic corpus) in a
    quarter of the time, without building the intermediate dicts. What orjson refuses (an integer
    beyond 64 bits) takes the json module's path."""
    try:
        return orjson.dumps(obj)
    except orjson.JSONEncodeError:
        return dumps(plain(obj)).encode("utf-8")


def content_hash(text: str) -> str:
    """The identity of a source text: sha256 of its UTF-8 form, newlines normalized."""
    norm = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


# -- preparing rows -------------------------------------------------------------------------------


@dataclass(slots=True)
class PreparedDoc:
    seq: int
    title: str
    doc_number: str | None
    issuers: list[str]
    issuer_json: str
    doc_type: str | None
    section: str | None
    signed_date: str | None
    # the Document dict without its body, and the list of paragraphs; None when the issue was
    # prepared with keep_texts=False (then only data_z / body_z carry them)
    data_json: str | None
    body_json: str | None
    refs: list[str]  # own 文号 + cited 文号, normalized
    ftitle: str  # folded
    fbody: str | None  # folded; None when prepared with keep_texts=False
    frefs: list[str]  # folded refs
    citations: list[tuple[Any, ...]]  # (seq, doc_number, title, raw, line, kind)
    personnel: list[tuple[Any, ...]]  # (seq, person, action, position, line)
    # index tokens, space-separated (made where the document is prepared: in the ingest workers)
    title_index: str = ""
    body_index: str = ""
    refs_index: str = ""
    title_chars: str = ""  # codes of the distinct characters of the title (1-character queries)
    body_chars: str = ""  # and of the body
    # data_json / body_json compressed (what the SQLite backend stores), made in the workers too
    data_z: bytes | None = None
    body_z: bytes | None = None

    def title_tokens(self) -> list[str]:
        return self.title_index.split()

    def body_tokens(self) -> list[str]:
        return self.body_index.split()

    def refs_tokens(self) -> list[str]:
        return self.refs_index.split()


@dataclass(slots=True)
class PreparedIssue:
    content_hash: str
    source_name: str
    source_text: str | None  # None also when prepared with keep_texts=False (source_z has it)
    ident: str | None  # "city|year|issue" when all three are known
    name: str | None
    city: str | None
    year: int | None
    issue: int | None
    total_issue: int | None
    published: str | None
    gazette_json: str
    toc_json: str
    warnings_json: str
    line_count: int
    parser_version: str
    warning_count: int
    docs: list[PreparedDoc] = field(default_factory=list)
    source_z: bytes | None = None  # source_text compressed (SQLite), when compress=True


def issuers_of(issuer: str | list[str] | None) -> list[str]:
    if issuer is None:
        return []
    if isinstance(issuer, str):
        return [issuer] if issuer.strip() else []
    return [i for i in issuer if i and i.strip()]


def doc_text(paragraphs: list[dict[str, Any]]) -> str:
    return "\n".join(p["text"] for p in paragraphs)


def _source_lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _fallback_body(doc: Document, source_lines: list[str] | None) -> list[dict[str, Any]]:
    """When the parser gives no body, index the document's own source lines."""
    if not source_lines:
        return []
    out = []
    for n in range(max(doc.start_line, 1), min(doc.end_line, len(source_lines)) + 1):
        text = source_lines[n - 1].strip()
        if text:
            out.append({"text": text, "start_line": n, "end_line": n})
    return out


def index_columns(ftitle: str, fbody: str, frefs: list[str]) -> tuple[str, str, str, str, str]:
    """The full-text columns of one document: title, body and refs bigrams, then the distinct
    characters of the title and of the body; space-separated tokens. Storing and deleting index
    entries must use exactly these (the SQLite index is contentless)."""
    return (
        bigram_index(ftitle),
        bigram_index(fbody),
        " ".join(t for r in frefs for t in bigram_tokens(r)),
        chars_index(ftitle),
        chars_index(fbody),
    )


# the Document fields stored as its JSON (the body is stored apart)
_DATA_FIELDS = tuple(name for name in Document.__dataclass_fields__ if name != "body")


def prepare_document(
    seq: int,
    doc: Document,
    source_lines: list[str] | None = None,
    *,
    compress: bool = True,
    keep_texts: bool = True,
) -> PreparedDoc:
    """One document's rows; see :func:`prepare_issue` for ``compress`` and ``keep_texts``."""
    data_b = model_json({name: getattr(doc, name) for name in _DATA_FIELDS})
    body: list[Paragraph] | list[dict[str, Any]]
    if doc.body:
        body, text = doc.body, doc.text
    else:
        body = _fallback_body(doc, source_lines)
        text = doc_text(body)
    body_b = model_json(body)
    refs: list[str] = []
    if doc.doc_number:
        refs.append(doc.doc_number)
    cites = list(doc.cites)
    for c in doc.citations:
        if c.doc_number and c.doc_number not in cites:
            cites.append(c.doc_number)
    for r in cites:
        if r not in refs:
            refs.append(r)
    citations: list[tuple[Any, ...]] = []
    seen_numbers: set[str] = set()
    for i, c in enumerate(doc.citations):
        citations.append((i, c.doc_number, c.title, c.raw, c.line, c.kind))
        if c.doc_number:
            seen_numbers.add(c.doc_number)
    for r in doc.cites:
        if r not in seen_numbers:
            citations.append((len(citations), r, None, r, None, "doc_number"))
            seen_numbers.add(r)
    personnel = [(i, p.person, p.action, p.position, p.line) for i, p in enumerate(doc.personnel)]
    issuers = issuers_of(doc.issuer)
    ftitle, fbody, frefs = fold(doc.title), fold(text), [fold(r) for r in refs]
    title_index, body_index, refs_index, title_chars, body_chars = index_columns(ftitle, fbody, frefs)
    return PreparedDoc(
        seq=seq,
        title=doc.title,
        doc_number=doc.doc_number,
        issuers=issuers,
        issuer_json=model_json(doc.issuer).decode("utf-8"),
        doc_type=doc.doc_type,
        section=doc.section,
        signed_date=doc.signed_date,
        data_json=data_b.decode("utf-8") if keep_texts else None,
        body_json=body_b.decode("utf-8") if keep_texts else None,
        refs=refs,
        ftitle=ftitle,
        fbody=fbody if keep_texts else None,
        frefs=frefs,
        citations=citations,
        personnel=personnel,
        title_index=title_index,
        body_index=body_index,
        refs_index=refs_index,
        title_chars=title_chars,
        body_chars=body_chars,
        data_z=compress_text(data_b) if compress else None,
        body_z=compress_text(body_b) if compress else None,
    )


def prepare_issue(
    issue: Issue,
    *,
    content_hash: str,
    source_name: str,
    source_text: str | None = None,
    compress: bool = True,
    keep_texts: bool = True,
) -> PreparedIssue:
    """Everything a backend writes for one issue, computed without touching the database.
    ``compress``: also make the zlib-compressed texts the SQLite backend stores (PostgreSQL
    compresses by itself and may pass False to save the work).
    ``keep_texts=False`` (with ``compress``): leave out what the SQLite writer does not read, the
    plain source text, document and body JSON (it stores their compressed forms) and the folded
    body (it stores only its tokens), so that an ingest worker sends half the bytes to the writer."""
    if not keep_texts and not compress:
        raise ValueError("keep_texts=False needs compress=True: the texts would be lost")
    g = issue.gazette
    ident = f"{g.city}|{g.year}|{g.issue}" if g.city and g.year and g.issue is not None else None
    lines = _source_lines(source_text) if source_text and not all(d.body for d in issue.documents) else None
    docs = [
        prepare_document(i, d, lines, compress=compress, keep_texts=keep_texts)
        for i, d in enumerate(issue.documents)
    ]
    return PreparedIssue(
        content_hash=content_hash,
        source_name=source_name,
        source_text=source_text if keep_texts else None,
        ident=ident,
        name=g.name,
        city=g.city,
        year=g.year,
        issue=g.issue,
        total_issue=g.total_issue,
        published=g.published,
        gazette_json=model_json(g).decode("utf-8"),
        toc_json=model_json(issue.toc).decode("utf-8"),
        warnings_json=model_json(issue.warnings).decode("utf-8"),
        line_count=issue.line_count,
        parser_version=issue.parser_version,
        warning_count=len(issue.warnings) + sum(len(d.warnings) for d in issue.documents),
        docs=docs,
        source_z=compress_text(source_text) if compress and source_text is not None else None,
    )


# -- filters --------------------------------------------------------------------------------------

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def _norm_date(value: str, *, end: bool, name: str) -> str:
    m = _DATE_RE.match(value.strip())
    if not m:
        raise QueryError(f"{name}: 日期格式应为 YYYY、YYYY-MM 或 YYYY-MM-DD (got {value!r})")
    y, mo, d = m.group(1), m.group(2), m.group(3)
    if mo is not None and not 1 <= int(mo) <= 12 or d is not None and not 1 <= int(d) <= 31:
        raise QueryError(f"{name}: 无效日期 {value!r}")
    if mo is None:
        return f"{y}-12-31" if end else f"{y}-01-01"
    if d is None:
        return f"{y}-{int(mo):02d}-31" if end else f"{y}-{int(mo):02d}-01"
    return f"{y}-{int(mo):02d}-{int(d):02d}"


def clean_filters(f: SearchFilters | None) -> SearchFilters:
    """Validated, normalized copy of the filters (raises QueryError with the field's name)."""
    from gongbao.extract.doc_number import normalize_doc_number

    if f is None:
        return SearchFilters()
    out = SearchFilters()
    for name in ("city", "section", "doc_type", "issuer"):
        v = getattr(f, name)
        if v is not None:
            if not isinstance(v, str):
                raise QueryError(f"{name}: 应为文本")
            v = v.strip()
            if len(v) > 200:
                raise QueryError(f"{name}: 过长")
            setattr(out, name, v or None)
    for name in ("year", "issue_id"):
        v = getattr(f, name)
        if v is not None:
            try:
                iv = int(v)
            except (TypeError, ValueError):
                raise QueryError(f"{name}: 应为整数 (got {v!r})") from None
            if not -(2**62) < iv < 2**62:
                raise QueryError(f"{name}: 超出范围")
            setattr(out, name, iv)
    if f.date_from:
        out.date_from = _norm_date(str(f.date_from), end=False, name="from")
    if f.date_to:
        out.date_to = _norm_date(str(f.date_to), end=True, name="to")
    if f.doc_number:
        dn = str(f.doc_number).strip()
        if len(dn) > 100:
            raise QueryError("doc_number: 过长")
        out.doc_number = normalize_doc_number(dn) if dn else None
    return out


# -- cursors --------------------------------------------------------------------------------------


def cursor_key(q: Query, f: SearchFilters, order: str = "relevance") -> str:
    """What a cursor belongs to: the query, the filters and the order (a cursor of one order is
    refused by the other). Also keys the cached totals and facets."""
    if order not in ORDERS:
        raise QueryError(f"order: 应为 {' 或 '.join(ORDERS)} (got {order!r})")
    key = hashlib.sha1((q.key() + "\x00" + dumps(f.to_dict())).encode()).hexdigest()[:12]
    return key if order == "relevance" else key + order[0]


#: Result orders: ``relevance`` (BM25 with the title boosted, for a text query that matches at most
#: RANK_LIMIT documents; a broader one, and a search without text, list newest first anyway) and
#: ``newest`` (most recently added first for a text query, by 成文日期 without one), which is
#: what a feed of new matches wants.
ORDERS = ("relevance", "newest")


def encode_cursor(key: str, mode: str, last: list[Any]) -> str:
    raw = dumps({"k": key, "m": mode, "l": last}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


_BAD_CURSOR = "无效的翻页游标：请重新搜索 (invalid cursor; it belongs to another search or is damaged)"


def decode_cursor(cursor: str, key: str, modes: dict[str, tuple[type, ...]]) -> tuple[str, list[Any]]:
    """(mode, last sort key) from a cursor made by this search; QueryError otherwise."""
    if not isinstance(cursor, str) or len(cursor) > 500:
        raise QueryError(_BAD_CURSOR)
    try:
        pad = "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(cursor + pad).decode())
        mode, last = data["m"], data["l"]
        ok = data["k"] == key and mode in modes and isinstance(last, list) and len(last) == len(modes[mode])
        if ok:
            ok = all(isinstance(v, t) and not isinstance(v, bool) for v, t in zip(last, modes[mode], strict=True))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise QueryError(_BAD_CURSOR) from None
    if not ok:
        raise QueryError(_BAD_CURSOR)
    return mode, last


# -- result cache -----------------------------------------------------------------------------------


class LRU:
    """A small thread-safe LRU for exact totals and facet counts, keyed by the archive's write
    generation (so any write invalidates everything cached before it)."""

    def __init__(self, size: int = 256) -> None:
        import threading
        from collections import OrderedDict

        self.size = size
        self._d: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            v = self._d.get(key)
            if v is not None:
                self._d.move_to_end(key)
            return v

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._d[key] = value
            self._d.move_to_end(key)
            while len(self._d) > self.size:
                self._d.popitem(last=False)


# -- snippets -------------------------------------------------------------------------------------


def find_spans(text: str, needles: list[str]) -> list[tuple[int, int]]:
    """Spans of ``text`` (original characters) whose folded form is one of the folded needles."""
    if not needles or not text:
        return []
    quick = fold(text)
    if not any(n in quick for n in needles):
        return []
    folded, offsets = fold_with_offsets(text)
    spans: list[tuple[int, int]] = []
    taken = [False] * len(folded)
    for needle in needles:  # longest first
        start = folded.find(needle)
        while start >= 0:
            end = start + len(needle)
            if not any(taken[start:end]):
                for k in range(start, end):
                    taken[k] = True
                spans.append((offsets[start], offsets[end - 1] + 1))
            start = folded.find(needle, end)
    return sorted(spans)


def _original_index(text: str, folded_index: int) -> int:
    """The index in ``text`` of the character that folds to position ``folded_index``: binary
    search on the folded length of prefixes (each fold is one C-level ``str.translate``; folding
    character by character in Python cost ~0.1 ms per snippet)."""
    lo, hi = 0, len(text) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if len(fold(text[:mid + 1])) > folded_index:
            hi = mid
        else:
            lo = mid + 1
    return max(0, lo)


def make_snippet(text: str, needles: list[str], width: int = 120) -> tuple[str, list[tuple[int, int]]]:
    """A window of ``text`` around a match, and the match spans inside it.

    A needle that occurs verbatim (the usual case: a Chinese query is its own folded form) is found
    with one C-level ``str.find`` and the window centres on its first verbatim occurrence; only
    when no needle occurs verbatim (the match spans a line-wrap space, a full-width digit …) is
    the text folded, chunk by chunk, so that the cost grows with the position of the first match,
    not the length. Folding whole 15k-character bodies for every hit cost ~1 ms per hit, most of
    a search's time at 100k documents."""
    text = text.replace("\n", " ")
    needles = [n for n in needles if n]
    overlap = 4 * max((len(n) for n in needles), default=0) + 64
    step = 1024
    orig = min((j for j in (text.find(n) for n in needles) if j >= 0), default=-1)
    pos = 0 if orig < 0 else len(text)
    while needles and pos < len(text):
        chunk = text[pos:pos + step + overlap]
        folded = fold(chunk)
        first = min((j for j in (folded.find(n) for n in needles) if j >= 0), default=-1)
        if first >= 0:
            orig = pos + _original_index(chunk, first)
            break
        pos += step
    if orig < 0:
        return text[:width] + ("…" if len(text) > width else ""), []
    start = max(0, orig - width // 3)
    end = min(len(text), start + width)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    window = text[start:end]
    shift = len(prefix)
    spans = [(s + shift, e + shift) for s, e in find_spans(window, needles)]
    return prefix + window + suffix, spans


def document_record(r: Sequence[Any], data: dict[str, Any], citations: list[CitationLink],
                    cited_by: list[CitedBy]) -> DocumentRecord:
    """Assemble a :class:`DocumentRecord` from a backend's document row
    ``(id, issue_id, seq, fields_json, body_json, gazette_json, source_name, ...)`` and the parsed
    fields dict; both backends select the same columns in this order."""
    data["body"] = json.loads(r[4])
    return DocumentRecord(
        id=r[0], issue_id=r[1], seq=r[2], title=data["title"], doc_number=data.get("doc_number"),
        issuer=data.get("issuer"), doc_type=data.get("doc_type"), section=data.get("section"),
        recipients=data.get("recipients"), signed_date=data.get("signed_date"),
        public_notice=data.get("public_notice"), toc_page=data.get("toc_page"),
        start_line=data["start_line"], end_line=data["end_line"], gazette=json.loads(r[5]),
        body=data["body"], outline=data.get("outline", []), tables=data.get("tables", []),
        personnel=data.get("personnel", []), warnings=data.get("warnings", []), citations=citations,
        cited_by=cited_by, fields=data, source_name=r[6],
    )


# -- reading, shared by both backends ---------------------------------------------------------------
# The SQL below is the same on SQLite and PostgreSQL except for the placeholder, passed as ``ph``
# ("?" or "%s"); ``conn`` is any connection with ``execute(sql, params)`` returning rows (sqlite3
# and psycopg both do).

REF_SQL = (
    "SELECT d.id, d.title, d.doc_number, d.city, d.year, d.signed_date, d.issue_id, i.issue, d.section,"
    " d.doc_type, d.issuer FROM documents d JOIN issues i ON i.id = d.issue_id"
)

ISSUE_SQL = (
    "SELECT i.id, i.name, i.city, i.year, i.issue, i.total_issue, i.published,"
    " (SELECT count(*) FROM documents d WHERE d.issue_id = i.id), i.source_name, i.content_hash,"
    " i.ingested_at FROM issues i"
)


def doc_ref(r: Sequence[Any]) -> DocRef:
    """A :class:`DocRef` from a row of :data:`REF_SQL`."""
    return DocRef(
        id=r[0], title=r[1], doc_number=r[2], city=r[3], year=r[4], signed_date=r[5], issue_id=r[6],
        issue=r[7], section=r[8], doc_type=r[9], issuer=json.loads(r[10]) if r[10] else None,
    )


def find_by_doc_number(conn: Any, ph: str, doc_number: str) -> list[DocRef]:
    from gongbao.extract.doc_number import normalize_doc_number

    dn = normalize_doc_number(str(doc_number))
    sql = f"{REF_SQL} WHERE d.doc_number = {ph} ORDER BY i.year, i.issue, d.id"
    return [doc_ref(r) for r in conn.execute(sql, (dn,))]


def backup_target(dest: str, overwrite: bool, archive: str | None = None) -> tuple[Path, Path]:
    """(final path, temporary path beside it) of a backup to ``dest``; StoreError when ``dest``
    is the archive itself (or one of its files), a directory, in a missing folder, or an existing
    file that ``overwrite`` does not allow to replace."""
    final = Path(dest).expanduser().resolve()  # through symlinks: replace the file, not the link
    if archive is not None:
        src = Path(archive).expanduser().resolve()
        if final in {src, *(src.with_name(src.name + s) for s in ("-wal", "-shm", "-journal"))}:
            raise StoreError(f"{final}: is the archive itself; back it up to another file")
    if final.is_dir():
        raise StoreError(f"{final}: is a directory; give a file name for the backup")
    if not final.parent.is_dir():
        raise StoreError(f"{final.parent}: no such folder")
    if final.exists() and not final.is_file():  # a device, a pipe: never renamed over
        raise StoreError(f"{final}: is not a regular file; give a file name for the backup")
    if final.exists() and not overwrite:
        raise StoreError(f"{final}: exists; choose another name or allow replacing it (--force)")
    return final, final.with_name(f".{final.name}.{os.getpid()}.partial")


def stale_issues(conn: Any, ph: str, parser_version: str) -> list[int]:
    rows = conn.execute(f"SELECT id FROM issues WHERE parser_version != {ph} ORDER BY id", (parser_version,))
    return [int(r[0]) for r in rows.fetchall()]


def issue_source(conn: Any, ph: str, issue_id: int) -> tuple[str, str] | None:
    if not fits_int64(issue_id):
        return None
    r = conn.execute(f"SELECT source_name, source_text FROM issues WHERE id = {ph}", (issue_id,)).fetchone()
    if r is None or r[1] is None:
        return None
    return str(r[0]), decompress_text(r[1])


def fits_int64(value: object) -> bool:
    """An integer (not a bool) that an INTEGER / bigint column can hold: anything else names no
    stored row, and would make the driver raise instead."""
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


def list_issues(conn: Any, ph: str, city: str | None = None, year: int | None = None) -> list[IssueSummary]:
    where, params = [], []
    if city is not None:
        where.append(f"i.city = {ph}")
        params.append(city)
    if year is not None:
        if not fits_int64(int(year)):  # no such year is stored
            return []
        where.append(f"i.year = {ph}")
        params.append(int(year))
    sql = ISSUE_SQL + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY i.city, i.year, i.issue, i.id"
    return [IssueSummary(*r) for r in conn.execute(sql, params)]


def get_issue(conn: Any, ph: str, issue_id: int) -> IssueRecord | None:
    if not fits_int64(issue_id):
        return None
    r = conn.execute(ISSUE_SQL + f" WHERE i.id = {ph}", (issue_id,)).fetchone()
    if r is None:
        return None
    gazette, toc, warnings, line_count, pv = conn.execute(
        f"SELECT gazette, toc, warnings, line_count, parser_version FROM issues WHERE id = {ph}", (issue_id,)
    ).fetchone()
    docs = [doc_ref(x) for x in conn.execute(f"{REF_SQL} WHERE d.issue_id = {ph} ORDER BY d.seq", (issue_id,))]
    return IssueRecord(
        summary=IssueSummary(*r), gazette=json.loads(gazette), toc=link_toc(json.loads(toc), docs),
        documents=docs, warnings=json.loads(warnings), line_count=line_count, parser_version=pv,
    )


def cited_by(
    conn: Any, ph: str, doc_number: str | None, doc_id: int, refs: Callable[[list[int]], list[DocRef]]
) -> list[CitedBy]:
    """Documents citing ``doc_number`` (other than ``doc_id``), each with its first citation;
    ``refs`` turns ids into DocRefs (the backends differ in how they pass a list of ids)."""
    if not doc_number:
        return []
    rows = conn.execute(
        f"SELECT c.doc_id, min(c.raw), min(c.line) FROM citations c WHERE c.doc_number = {ph}"
        f" AND c.doc_id <> {ph} GROUP BY c.doc_id ORDER BY c.doc_id",
        (doc_number, doc_id),
    ).fetchall()
    by_id = {x.id: x for x in refs([x[0] for x in rows])}
    return [CitedBy(by_id[i], raw, line) for i, raw, line in rows if i in by_id]


def link_toc(toc: list[dict[str, Any]], docs: list[DocRef]) -> list[dict[str, Any]]:
    """Give each 目录 entry the id of its document (by 文号, else by folded title)."""
    by_number = {d.doc_number: d.id for d in docs if d.doc_number}
    by_title = {fold(d.title): d.id for d in docs}
    for entry in toc:
        doc_id = by_number.get(entry.get("doc_number") or "")
        if doc_id is None:
            t = fold(entry.get("title") or "")
            doc_id = by_title.get(t)
            if doc_id is None and t:
                doc_id = next((i for k, i in by_title.items() if t in k or k in t), None)
        entry["document_id"] = doc_id
    return toc
