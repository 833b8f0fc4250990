"""SQLite backend (the default): one file, WAL mode, FTS5 over Python-built bigram tokens.

Layout (schema v2): ``issues`` (masthead, 目录, zlib-compressed source text), ``documents``
(filterable columns), ``doc_content`` (refs, and the parser's document and body as compressed
JSON), ``doc_issuers``, ``citations``, ``personnel``, and ``docs_fts``, a contentless FTS5 table
(columns title, body, refs, title_chars, body_chars) whose rowid is the document id. Tokens are
made in Python (:mod:`gongbao.store.tokenize`), so a query is a phrase of bigram tokens, a
one-character query the character's token in the distinct-character columns: exact substring recall.

Ranking: BM25 (title x10) while a query matches at most ``RANK_LIMIT`` documents; broader queries
list the newest-stored documents first (count and facets stay exact), because computing BM25 for
every one of 100k matches costs a quarter of a second. A filtered query is also listed newest first
when its text alone is broad, matching more than ``FTS_FIRST_LIMIT`` documents of the archive: FTS5
computes BM25's IDF by scanning every match of the text whatever the filter keeps, and such a text
carries next to no IDF anyway. Unfiltered queries need no estimate (their total is the text's
count). For filters on city/year/section/doc_type (the facet map's columns), the text's count is
*estimated* from its matches in ``SAMPLE_WINDOWS`` fixed windows of ``SAMPLE_WIDTH`` documents spread
over the archive (exact for archives no larger than that), because the filtered matches themselves
are found without a full scan (matched per id range of the filtered documents) and an exact count
would bring that scan back; the estimate depends on the text and the archive only, so a text ranks
the same way under every filter. Other filters (dates, issuer, 文号, issue) use the exact count.

Facets, and filters on city/year/section/doc_type, are counted and applied in memory
(:mod:`gongbao.store.facetmap`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from gongbao.models import Issue
from gongbao.store import common
from gongbao.store.base import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    CitationLink,
    DocRef,
    DocumentRecord,
    FacetValue,
    Hit,
    IssueRecord,
    IssueSummary,
    QueryError,
    SearchFilters,
    SearchResult,
    Store,
    StoreError,
    StoreOutcome,
    StoreStats,
)
from gongbao.store.common import (
    LRU,
    PreparedIssue,
    clean_filters,
    compress_text,
    cursor_key,
    decode_cursor,
    decompress_text,
    doc_text,
    document_record,
    encode_cursor,
    find_spans,
    index_columns,
    make_snippet,
    prepare_issue,
)
from gongbao.store.facetmap import FacetMap, count_in, id_ranges, load_facet_map, page_of_ids, parse_ids
from gongbao.store.query import Query, Term, parse_query
from gongbao.store.tokenize import fold, query_tokens

__all__ = ["SQLiteStore"]

log = logging.getLogger(__name__)

RANK_LIMIT = 5000
FTS_FIRST_LIMIT = 20000
FACET_VALUES = 100
# Text matched per id range of the filtered documents (instead of over the whole index) when that
# costs less than scanning RANGE_SHARE of the index: ranges at most RANGE_GAP ids apart are joined,
# and each range is counted as RANGE_COST documents (its seeks) plus the documents it spans.
# Measured (CPU) on the 100k benchmark archive: one range's seeks cost 0.1-0.2 ms, as much as
# scanning ~250-1000 documents' index entries of a common phrase. See SQLiteStore._coded_matches.
RANGE_GAP = 100
RANGE_COST = 400
RANGE_SHARE = 0.5
# Windows of documents on which a text's archive-wide match count is estimated (ranking decision
# of filtered queries): 8 x 500 documents, 4% of a 100k archive.
SAMPLE_WINDOWS = 8
SAMPLE_WIDTH = 500

_SCHEMA_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE issues (
    id INTEGER PRIMARY KEY,
    content_hash TEXT NOT NULL UNIQUE,
    ident TEXT UNIQUE,
    name TEXT, city TEXT, year INTEGER, issue INTEGER, total_issue INTEGER, published TEXT,
    source_name TEXT NOT NULL, ingested_at TEXT NOT NULL,
    gazette TEXT NOT NULL, toc TEXT NOT NULL, warnings TEXT NOT NULL,
    line_count INTEGER NOT NULL, parser_version TEXT NOT NULL,
    source_text TEXT
);
CREATE INDEX issues_city_year ON issues(city, year, issue);
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    title TEXT NOT NULL,
    doc_number TEXT,
    issuer TEXT,
    doc_type TEXT, section TEXT, signed_date TEXT,
    sort_date TEXT NOT NULL,
    city TEXT, year INTEGER,
    UNIQUE (issue_id, seq)
);
-- the large parts live apart, so that filtering, sorting and facet counting read narrow rows
CREATE TABLE doc_content (
    id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    refs TEXT NOT NULL,
    data TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX documents_doc_number ON documents(doc_number);
CREATE INDEX documents_sort ON documents(sort_date, id);
CREATE INDEX documents_city ON documents(city, year);
CREATE TABLE doc_issuers (
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    issuer TEXT NOT NULL,
    PRIMARY KEY (doc_id, issuer)
) WITHOUT ROWID;
CREATE INDEX doc_issuers_issuer ON doc_issuers(issuer, doc_id);
CREATE TABLE citations (
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    doc_number TEXT, title TEXT, raw TEXT NOT NULL, line INTEGER, kind TEXT NOT NULL,
    PRIMARY KEY (doc_id, seq)
) WITHOUT ROWID;
CREATE INDEX citations_doc_number ON citations(doc_number);
CREATE TABLE personnel (
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    person TEXT NOT NULL, action TEXT NOT NULL, position TEXT, line INTEGER,
    PRIMARY KEY (doc_id, seq)
) WITHOUT ROWID;
CREATE INDEX personnel_person ON personnel(person);
CREATE VIRTUAL TABLE docs_fts USING fts5(
    title, body, refs, content='', tokenize='ascii', prefix='4'
);
INSERT INTO docs_fts(docs_fts, rank) VALUES ('hashsize', 67108864);
"""

# v2: smaller and faster to write.
# - The large texts (issues.source_text, doc_content.data and .body) are stored zlib-compressed
#   (BLOBs; readers also accept the plain TEXT older archives held): ~3.4x smaller.
# - The full-text index drops ``prefix='4'``, which kept a second posting (every position of every
#   bigram) under each 4-character prefix only to serve one-character queries: half the index and
#   half the index writes. One-character queries now match two small columns holding one token per
#   distinct character of the title / body (one doclist entry per document and character), which
#   also makes counting a common character's matches a short scan.
_FTS_V2 = """
CREATE VIRTUAL TABLE docs_fts USING fts5(
    title, body, refs, title_chars, body_chars, content='', tokenize='ascii'
);
INSERT INTO docs_fts(docs_fts, rank) VALUES ('hashsize', 67108864)
"""


def _migrate_v2(conn: sqlite3.Connection) -> None:
    n_docs = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    if n_docs:
        log.warning("upgrading the archive to schema v2 (compressing texts, rebuilding the index of %d documents);"
                    " this runs once", n_docs)
    conn.create_function("gongbao_z", 1, lambda v: compress_text(v) if isinstance(v, str) else v)
    conn.execute("UPDATE issues SET source_text = gongbao_z(source_text) WHERE typeof(source_text) = 'text'")
    conn.execute("UPDATE doc_content SET data = gongbao_z(data), body = gongbao_z(body)")
    conn.execute("DROP TABLE docs_fts")
    for stmt in _split_sql(_FTS_V2):
        conn.execute(stmt)
    rows = conn.execute(
        "SELECT d.id, d.title, c.body, c.refs FROM documents d JOIN doc_content c ON c.id = d.id ORDER BY d.id"
    )
    while chunk := rows.fetchmany(500):
        conn.executemany(
            "INSERT INTO docs_fts(rowid, title, body, refs, title_chars, body_chars) VALUES (?,?,?,?,?,?)",
            [(i, *_index_of(title, body, refs)) for i, title, body, refs in chunk],
        )


def _index_of(title: str, body: str | bytes, refs_json: str) -> tuple[str, str, str, str, str]:
    """The index columns of a stored document (as :func:`common.index_columns` made them)."""
    import json

    text = doc_text(json.loads(decompress_text(body) or "[]"))
    return index_columns(fold(title), fold(text), [fold(r) for r in json.loads(refs_json)])


# version -> script (or function) taking the schema from version-1 to version
MIGRATIONS: dict[int, str | Callable[[sqlite3.Connection], None]] = {1: _SCHEMA_V1, 2: _migrate_v2}
# The SQLite schema's version (PostgreSQL has its own: postgres.SCHEMA_VERSION)
SCHEMA_VERSION = max(MIGRATIONS)

_FACET_SQL = {
    "city": "d.city",
    "year": "d.year",
    "section": "d.section",
    "doc_type": "d.doc_type",
}

_CURSOR_MODES: dict[str, tuple[type, ...]] = {
    "rank": (float, int),
    "id": (int,),
    "date": (str, int),
}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _phrase(folded: str) -> str:
    toks, prefix = query_tokens(folded)
    return f"{toks[0]}*" if prefix else '"' + " ".join(toks) + '"'


def _text_match(folded: str) -> str:
    """Title or body contains ``folded``: its bigram phrase, or for one character its token in
    the distinct-character columns."""
    toks, one_char = query_tokens(folded)
    if one_char:
        return "{title_chars body_chars} : " + toks[0]
    return '{title body} : "' + " ".join(toks) + '"'


def fts_term(t: Term) -> str:
    text = " OR ".join(_text_match(v) for v in t.variants())
    if t.doc_number:
        return f"({text} OR {{refs}} : {_phrase(fold(t.doc_number))})"
    return f"({text})"


def fts_positive(q: Query) -> str | None:
    if not q.groups:
        return None
    return " AND ".join("(" + " OR ".join(fts_term(t) for t in g) + ")" for g in q.groups)


def fts_excluded(q: Query) -> str | None:
    if not q.excluded:
        return None
    return " OR ".join(fts_term(t) for t in q.excluded)


def coded_filters(f: SearchFilters) -> dict[str, Any] | None:
    """The filters as {facet: value} when all of them are facet-map columns (None otherwise)."""
    other = (f.doc_number, f.issue_id, f.date_from, f.date_to, f.issuer)
    if any(v is not None for v in other):
        return None
    out = {name: getattr(f, name) for name in ("city", "year", "section", "doc_type")}
    out = {k: v for k, v in out.items() if v is not None}
    return out or None


def filter_sql(f: SearchFilters) -> tuple[str, list[Any]]:
    """WHERE fragment on alias ``d`` (always valid, "1" when empty) and its parameters."""
    parts: list[str] = []
    params: list[Any] = []
    for name in ("city", "year", "section", "doc_type", "doc_number", "issue_id"):
        v = getattr(f, name)
        if v is not None:
            parts.append(f"d.{name} = ?")
            params.append(v)
    if f.date_from:
        parts.append("d.signed_date >= ?")
        params.append(f.date_from)
    if f.date_to:
        parts.append("d.signed_date <= ?")
        params.append(f.date_to)
    if f.issuer is not None:
        parts.append("d.id IN (SELECT doc_id FROM doc_issuers WHERE issuer = ?)")
        params.append(f.issuer)
    return (" AND ".join(parts) or "1"), params


class SQLiteStore(Store):
    backend = "sqlite"

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True) -> None:
        self.path = Path(path).expanduser()
        self.location = str(self.path)
        if not self.path.exists():
            if not create:
                raise StoreError(f"{self.path}: no archive here (run `gongbao ingest` first)")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{self.path}: cannot create the archive's folder: {exc.strerror}") from None
        elif self.path.is_dir():
            raise StoreError(f"{self.path}: is a directory, not an archive file")
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self._all_conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._batch_depth = 0
        self._closed = False
        self._cache = LRU()
        self._fmap: FacetMap | None = None  # facet codes of every document, per write generation
        self._fmap_lock = threading.Lock()
        self._migrate()

    # -- connections ---------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout = 60000")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StoreError(f"{self.path}: cannot switch the archive to WAL mode (got {mode})")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA cache_size = -65536")
            conn.execute("PRAGMA temp_store = MEMORY")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a usable gongbao archive ({exc})") from None
        with self._conns_lock:
            self._all_conns.append(conn)
        return conn

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError(f"{self.path}: the archive is closed")
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def close(self) -> None:
        self._closed = True
        with self._conns_lock:
            for conn in self._all_conns:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._all_conns.clear()
        self._local = threading.local()

    # -- schema --------------------------------------------------------------------------------
    def _migrate(self) -> None:
        conn = self._conn
        with self._write_lock:
            try:
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.path}: not a gongbao archive ({exc})") from None
            if tables and "meta" not in tables:
                raise StoreError(f"{self.path}: this SQLite file is not a gongbao archive")
            version = self.schema_version() if tables else 0
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path}: archive schema v{version} is newer than this gongbao (v{SCHEMA_VERSION}); upgrade gongbao"
                )
            upgraded = version > 0 and version < SCHEMA_VERSION
            for v in range(version + 1, SCHEMA_VERSION + 1):
                conn.execute("BEGIN IMMEDIATE")
                try:
                    step = MIGRATIONS[v]
                    if callable(step):
                        step(conn)
                    else:
                        for stmt in _split_sql(step):
                            conn.execute(stmt)
                    conn.execute(
                        "INSERT INTO meta(key, value) VALUES ('schema_version', ?) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        (str(v),),
                    )
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            if upgraded:  # give the space the old texts and index took back to the file system
                conn.execute("VACUUM")
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @staticmethod
    def _generation(conn: sqlite3.Connection) -> str:
        row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return row[0] if row else "0"

    @staticmethod
    def _bump(conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO meta(key, value) VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
        )

    def schema_version(self) -> int:
        try:
            row = self._conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a gongbao archive ({exc})") from None
        return int(row[0]) if row else 0

    # -- writing -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Group many ``store_issue`` calls into one transaction. Each issue is still all or
        nothing: when one fails, the transaction is rolled back and the issues stored before it
        in this batch are written again, so only the failing one is missing. (No savepoint per
        issue: FTS5 flushes its in-memory index at every savepoint, which would make bulk ingest
        several times slower.)"""
        with self._write_lock:
            if self._batch_depth:
                self._batch_depth += 1
                try:
                    yield
                finally:
                    self._batch_depth -= 1
                return
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            self._batch_depth = 1
            self._batch_done: list[PreparedIssue] = []
            try:
                yield
            except BaseException:
                self._batch_depth = 0
                self._batch_done = []
                conn.execute("ROLLBACK")
                raise
            self._batch_depth = 0
            self._batch_done = []
            conn.execute("COMMIT")

    def has_content(self, content_hash: str, parser_version: str | None = None) -> int | None:
        row = self._conn.execute(
            "SELECT id, parser_version FROM issues WHERE content_hash = ?", (content_hash,)
        ).fetchone()
        if row is None or (parser_version is not None and row[1] != parser_version):
            return None
        return int(row[0])

    def known_hashes(self, parser_version: str | None = None) -> set[str]:
        """Content hashes of stored issues (parsed by ``parser_version`` when given)."""
        if parser_version is None:
            return {r[0] for r in self._conn.execute("SELECT content_hash FROM issues")}
        return {
            r[0]
            for r in self._conn.execute("SELECT content_hash FROM issues WHERE parser_version = ?", (parser_version,))
        }

    def store_issue(
        self, issue: Issue, *, content_hash: str, source_name: str, source_text: str | None = None
    ) -> StoreOutcome:
        prepared = prepare_issue(issue, content_hash=content_hash, source_name=source_name, source_text=source_text)
        return self.store_prepared(prepared)

    def store_prepared(self, p: PreparedIssue) -> StoreOutcome:
        with self._write_lock:
            conn = self._conn
            if self._batch_depth > 0:
                try:
                    outcome = self._store(conn, p)
                except BaseException:
                    conn.execute("ROLLBACK")
                    conn.execute("BEGIN IMMEDIATE")
                    for done in self._batch_done:  # they succeeded once; they succeed again
                        self._store(conn, done)
                    raise
                self._batch_done.append(p)
                return outcome
            conn.execute("BEGIN IMMEDIATE")
            try:
                outcome = self._store(conn, p)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return outcome

    def _store(self, conn: sqlite3.Connection, p: PreparedIssue) -> StoreOutcome:
        row = conn.execute(
            "SELECT id, parser_version FROM issues WHERE content_hash = ?", (p.content_hash,)
        ).fetchone()
        if row is not None and row[1] == p.parser_version:
            n = conn.execute("SELECT count(*) FROM documents WHERE issue_id = ?", (row[0],)).fetchone()[0]
            return StoreOutcome("unchanged", int(row[0]), int(n), p.warning_count)
        old_id = int(row[0]) if row is not None else None
        if old_id is None and p.ident is not None:
            r = conn.execute("SELECT id FROM issues WHERE ident = ?", (p.ident,)).fetchone()
            old_id = int(r[0]) if r else None
        source = p.source_z
        if source is None and p.source_text is not None:
            source = compress_text(p.source_text)
        values = (
            p.content_hash, p.ident, p.name, p.city, p.year, p.issue, p.total_issue, p.published,
            p.source_name, _now(), p.gazette_json, p.toc_json, p.warnings_json, p.line_count,
            p.parser_version, source,
        )
        reuse: dict[int, int] = {}
        if old_id is not None:
            reuse = self._remove_documents(conn, old_id)
            conn.execute(
                "UPDATE issues SET content_hash=?, ident=?, name=?, city=?, year=?, issue=?, total_issue=?,"
                " published=?, source_name=?, ingested_at=?, gazette=?, toc=?, warnings=?, line_count=?,"
                " parser_version=?, source_text=? WHERE id = ?",
                (*values, old_id),
            )
            issue_id = old_id
            status = "replaced"
        else:
            cur = conn.execute(
                "INSERT INTO issues(content_hash, ident, name, city, year, issue, total_issue, published,"
                " source_name, ingested_at, gazette, toc, warnings, line_count, parser_version, source_text)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                values,
            )
            issue_id = int(cur.lastrowid)
            status = "added"
        from gongbao.store.common import dumps

        # Ids are given here (a replaced issue's documents keep theirs), so that every table is
        # written with one executemany per issue rather than a statement per row.
        top = conn.execute("SELECT coalesce(max(id), 0) FROM documents").fetchone()[0]
        next_id = max([top, *reuse.values()]) + 1  # never hand out an id kept for a replaced document
        ids: list[int] = []
        for d in p.docs:
            doc_id = reuse.get(d.seq)
            if doc_id is None:
                doc_id, next_id = next_id, next_id + 1
            ids.append(doc_id)
        docs = list(zip(ids, p.docs, strict=True))
        conn.executemany(
            "INSERT INTO documents(id, issue_id, seq, title, doc_number, issuer, doc_type, section,"
            " signed_date, sort_date, city, year) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (i, issue_id, d.seq, d.title, d.doc_number, d.issuer_json, d.doc_type, d.section, d.signed_date,
                 d.signed_date or "", p.city, p.year)
                for i, d in docs
            ],
        )
        conn.executemany(
            "INSERT INTO doc_content(id, refs, data, body) VALUES (?,?,?,?)",
            [
                (i, dumps(d.refs), d.data_z if d.data_z is not None else compress_text(d.data_json),
                 d.body_z if d.body_z is not None else compress_text(d.body_json))
                for i, d in docs
            ],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO doc_issuers(doc_id, issuer) VALUES (?, ?)",
            [(i, x) for i, d in docs for x in d.issuers],
        )
        conn.executemany(
            "INSERT INTO citations(doc_id, seq, doc_number, title, raw, line, kind) VALUES (?,?,?,?,?,?,?)",
            [(i, *c) for i, d in docs for c in d.citations],
        )
        conn.executemany(
            "INSERT INTO personnel(doc_id, seq, person, action, position, line) VALUES (?,?,?,?,?,?)",
            [(i, *x) for i, d in docs for x in d.personnel],
        )
        conn.executemany(
            "INSERT INTO docs_fts(rowid, title, body, refs, title_chars, body_chars) VALUES (?,?,?,?,?,?)",
            [
                (i, d.title_index, d.body_index, d.refs_index, d.title_chars, d.body_chars)
                for i, d in docs
            ],
        )
        self._bump(conn)
        return StoreOutcome(status, issue_id, len(p.docs), p.warning_count)

    def _remove_documents(self, conn: sqlite3.Connection, issue_id: int) -> dict[int, int]:
        """Delete an issue's documents (and their index entries); returns seq -> old id."""
        reuse: dict[int, int] = {}
        for doc_id, seq, title, body, refs_json in conn.execute(
            "SELECT d.id, d.seq, d.title, c.body, c.refs FROM documents d JOIN doc_content c ON c.id = d.id"
            " WHERE d.issue_id = ?",
            (issue_id,),
        ).fetchall():
            reuse[int(seq)] = int(doc_id)
            conn.execute(
                "INSERT INTO docs_fts(docs_fts, rowid, title, body, refs, title_chars, body_chars)"
                " VALUES ('delete', ?, ?, ?, ?, ?, ?)",
                (doc_id, *_index_of(title, body, refs_json)),
            )
        conn.execute("DELETE FROM documents WHERE issue_id = ?", (issue_id,))
        return reuse

    def delete_issue(self, issue_id: int) -> bool:
        if not common.fits_int64(issue_id):
            return False
        with self._write_lock:
            conn = self._conn
            in_batch = self._batch_depth > 0
            conn.execute("SAVEPOINT del" if in_batch else "BEGIN IMMEDIATE")
            try:
                exists = conn.execute("SELECT 1 FROM issues WHERE id = ?", (issue_id,)).fetchone()
                if exists:
                    self._remove_documents(conn, issue_id)
                    conn.execute("DELETE FROM issues WHERE id = ?", (issue_id,))
                    self._bump(conn)
            except BaseException:
                conn.execute("ROLLBACK TO del" if in_batch else "ROLLBACK")
                if in_batch:
                    conn.execute("RELEASE del")
                raise
            conn.execute("RELEASE del" if in_batch else "COMMIT")
            return bool(exists)

    def warm(self, max_fraction: float = 0.5) -> int:
        """Read-ahead of the database file (and its log) with ``posix_fadvise(WILLNEED)`` in 8 MB
        steps: the kernel reads them in the background. Measured on a 4.2 GB archive: resident in
        1–2 s (0.7 s CPU, in the kernel); cold, the first searches had p95 up to 113 ms."""
        if not hasattr(os, "posix_fadvise"):
            return 0
        files = [p for p in (self.path, Path(f"{self.path}-wal")) if p.exists()]
        size = sum(p.stat().st_size for p in files)
        if size == 0 or size > max_fraction * _available_memory():
            return 0
        step = 8 << 20  # one WILLNEED call over a whole file reads ahead only a few MB
        for p in files:
            fd = os.open(p, os.O_RDONLY)
            try:
                for offset in range(0, p.stat().st_size, step):
                    os.posix_fadvise(fd, offset, step, os.POSIX_FADV_WILLNEED)
            finally:
                os.close(fd)
        return size

    def backup(
        self, dest: str, *, overwrite: bool = False, progress: Callable[[int, int], None] | None = None
    ) -> int:
        final, tmp = common.backup_target(dest, overwrite, archive=str(self.path))
        try:
            target = sqlite3.connect(tmp, isolation_level=None)
            try:
                # SQLite's online backup: page by page, from one consistent snapshot (restarted if
                # another connection writes meanwhile); readers and the writer go on.
                page = int(self._conn.execute("PRAGMA page_size").fetchone()[0])
                self._conn.backup(
                    target, pages=4096,
                    progress=(lambda _s, left, total: progress((total - left) * page, total * page))
                    if progress else None,
                )
                # The copy carries the archive's WAL mode; as a single file it is easier to keep.
                target.execute("PRAGMA journal_mode = DELETE")
                check = target.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                target.close()
            if check != "ok":
                raise StoreError(f"{final}: the copy failed its check ({check}); the archive is unchanged")
            os.replace(tmp, final)
        except sqlite3.Error as exc:
            raise StoreError(f"{final}: the backup failed ({exc})") from None
        except OSError as exc:
            raise StoreError(f"{final}: the backup failed ({exc.strerror or exc})") from None
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + "-journal"), tmp.with_name(tmp.name + "-wal")):
                with contextlib.suppress(OSError):
                    leftover.unlink()
        return final.stat().st_size

    def optimize(self) -> None:
        """Merge the full-text index into one segment (FTS5 ``optimize``), refresh the planner's
        statistics and truncate the write-ahead log. Holds the write lock meanwhile; readers go on."""
        with self._write_lock:
            if self._batch_depth > 0:
                raise StoreError("optimize cannot run inside a batch")
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("INSERT INTO docs_fts(docs_fts) VALUES ('optimize')")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            conn.execute("PRAGMA optimize")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- searching -----------------------------------------------------------------------------
    def _match_source(self, q: Query, fsql: str, fparams: list[Any]) -> tuple[str, list[Any], str]:
        """FROM/WHERE giving the matched documents as ``d`` (and ``docs_fts`` when ranked), params,
        and the kind: "fts" (positive terms), "neg" (only exclusions), "all" (no terms)."""
        pos = fts_positive(q)
        neg = fts_excluded(q)
        if pos:
            expr = pos if not neg else f"({pos}) NOT ({neg})"
            sql = "docs_fts JOIN documents d ON d.id = docs_fts.rowid WHERE docs_fts MATCH ? AND " + fsql
            return sql, [expr, *fparams], "fts"
        if neg:
            sql = "documents d WHERE d.id NOT IN (SELECT rowid FROM docs_fts WHERE docs_fts MATCH ?) AND " + fsql
            return sql, [neg, *fparams], "neg"
        return "documents d WHERE " + fsql, list(fparams), "all"

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
        t0 = time.perf_counter()
        q = parse_query(query)
        f = clean_filters(filters)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
            raise QueryError(f"limit: 应在 1 到 {MAX_LIMIT} 之间 (got {limit!r})")
        key = cursor_key(q, f, order)
        last_mode, last = decode_cursor(cursor, key, _CURSOR_MODES) if cursor else (None, None)
        by_rank = order == "relevance"
        fsql, fparams = filter_sql(f)
        src, sparams, kind = self._match_source(q, fsql, fparams)
        conn = self._conn
        fts_only = kind == "fts" and fsql == "1"
        # Text + filters on city/year/section/doc_type only (the common case): the facet map gives
        # the filtered documents, the text is matched only inside their id ranges (or, when they
        # are spread all over the archive, once over the whole index and filtered in memory); the
        # total, the facets and (newest first) the page come from that list. In SQL this took 2-4
        # scans of the index (count, filtered count, page) plus the join to ``documents``.
        coded = coded_filters(f) if kind == "fts" and not fts_only else None
        own_tx = not conn.in_transaction
        if own_tx:
            conn.execute("BEGIN")  # one snapshot for count, page and facets
        try:
            gen = self._generation(conn)
            total = self._cache.get((gen, key, "total"))
            cached_facets = self._cache.get((gen, key, "facets")) if facets else None
            matched = None
            fmap = None
            text_ids = None  # all matches of the text alone, when they were collected
            if coded is not None:
                fmap = self._facet_map(conn, gen)
                matched, text_ids = self._coded_matches(conn, fmap, sparams[0], coded)
            elif facets and cached_facets is None:
                # the matches are needed for the facets anyway: collect them once, count them
                matched = self._match_ids(conn, src, sparams, fts_only=fts_only)
            if matched is not None:
                if facets and cached_facets is None:
                    cached_facets = self._facet_map(conn, gen).count(matched, FACET_VALUES)
                    self._cache.put((gen, key, "facets"), cached_facets)
                if total is None:
                    total = len(matched)
                    self._cache.put((gen, key, "total"), total)
            broad = False
            if kind == "fts" and not fts_only and coded is None:
                # With a filter, SQLite likes to walk the filtered documents and probe the index for
                # each; when the text matches few documents, walking those first is far cheaper.
                n_text = self._cache.get((gen, sparams[0], "fts_total"))
                if n_text is None:
                    n_text = conn.execute(
                        "SELECT count(*) FROM docs_fts WHERE docs_fts MATCH ?", sparams[:1]
                    ).fetchone()[0]
                    self._cache.put((gen, sparams[0], "fts_total"), n_text)
                if n_text <= FTS_FIRST_LIMIT:
                    src = src.replace("docs_fts JOIN documents d", "docs_fts CROSS JOIN documents d", 1)
                broad = n_text > FTS_FIRST_LIMIT
            if total is None:
                if kind == "fts" and fsql == "1":
                    total = conn.execute("SELECT count(*) FROM docs_fts WHERE docs_fts MATCH ?", sparams[:1]).fetchone()[0]
                else:
                    total = conn.execute(f"SELECT count(*) FROM {src}", sparams).fetchone()[0]
                self._cache.put((gen, key, "total"), total)
            if kind == "fts":
                # BM25 costs a scan of every text match (FTS5 counts each phrase's documents for
                # its IDF), whatever the filters keep: a filtered query whose text matches most of
                # the archive (e.g. 人民政府 in one city) took 100+ ms to rank, and its terms carry
                # next to no IDF anyway, so it lists newest first like any broad query. With
                # facet-map filters, "broad" is judged on the text's estimated archive-wide count
                # (:meth:`_text_estimate`), so that finding the filter's matches needs no full scan.
                if by_rank and coded is not None and last_mode is None and 0 < total <= RANK_LIMIT:
                    broad = self._text_estimate(conn, fmap, gen, sparams[0], text_ids) > FTS_FIRST_LIMIT
                mode = last_mode or ("rank" if by_rank and total <= RANK_LIMIT and not broad else "id")
            else:
                mode = last_mode or "date"
            if kind != "fts" and mode != "date":
                raise QueryError("无效的翻页游标：请重新搜索 (invalid cursor)")
            if matched is not None and coded is not None:
                if mode == "id":
                    rows, next_last = page_of_ids(matched, last, limit)
                elif len(matched):
                    # rank only the ids that can match: one statement (one IDF computation), the
                    # index walked first and only between the first and last filtered match
                    src = src.replace("docs_fts JOIN documents d", "docs_fts CROSS JOIN documents d", 1)
                    bounds = [int(matched.min()), int(matched.max())]
                    ranked = src + " AND docs_fts.rowid BETWEEN ? AND ?"
                    rows, next_last = self._page(conn, ranked, [*sparams, *bounds], mode, last, limit)
                else:
                    rows, next_last = [], None
            else:
                rows, next_last = self._page(conn, src, sparams, mode, last, limit, fts_only=fts_only)
            facet_out: dict[str, list[FacetValue]] = {}
            if facets and cached_facets is not None:
                facet_out = {k: list(v) for k, v in cached_facets.items()}
            hits = self._hits(conn, [r[0] for r in rows], {r[0]: r[1] for r in rows}, q, snippets)
        except sqlite3.OperationalError as exc:
            # Only reachable through an engine limit (e.g. expression depth): report, don't crash.
            raise QueryError(f"无法执行此查询 (query could not be run: {exc})") from None
        finally:
            if own_tx:
                conn.execute("COMMIT")
        next_cursor = encode_cursor(key, mode, next_last) if next_last is not None else None
        return SearchResult(
            query=query or "", total=int(total), hits=hits, facets=facet_out, next_cursor=next_cursor,
            filters=f, took_ms=(time.perf_counter() - t0) * 1000,
        )

    def _page(
        self, conn: sqlite3.Connection, src: str, params: list[Any], mode: str, last: list[Any] | None, limit: int,
        fts_only: bool = False,
    ) -> tuple[list[tuple[int, float]], list[Any] | None]:
        if mode == "rank":
            sql = (
                f"SELECT id, score FROM (SELECT d.id AS id, bm25(docs_fts, 10.0, 1.0, 1.0, 10.0, 1.0) AS score FROM {src})"
            )
            p = list(params)
            if last is not None:
                sql += " WHERE score > ? OR (score = ? AND id > ?)"
                p += [last[0], last[0], last[1]]
            sql += " ORDER BY score, id LIMIT ?"
            rows = [(int(a), float(b)) for a, b in conn.execute(sql, [*p, limit + 1])]
            more = len(rows) > limit
            rows = rows[:limit]
            return [(i, -s) for i, s in rows], ([rows[-1][1], rows[-1][0]] if more else None)
        if mode == "id":
            # FTS5 walks its doclists in rowid order, so this stops after ``limit`` rows.
            col = "docs_fts.rowid" if src.startswith("docs_fts") else "d.id"
            if fts_only:
                src = "docs_fts WHERE docs_fts MATCH ?"
            sql = f"SELECT {col} FROM {src}"
            p = list(params)
            if last is not None:
                sql += f" AND {col} < ?"
                p.append(last[0])
            sql += f" ORDER BY {col} DESC LIMIT ?"
            ids = [int(r[0]) for r in conn.execute(sql, [*p, limit + 1])]
            more = len(ids) > limit
            ids = ids[:limit]
            return [(i, 0.0) for i in ids], ([ids[-1]] if more else None)
        sql = f"SELECT d.id, d.sort_date FROM {src}"
        p = list(params)
        if last is not None:
            sql += " AND (d.sort_date < ? OR (d.sort_date = ? AND d.id < ?))"
            p += [last[0], last[0], last[1]]
        sql += " ORDER BY d.sort_date DESC, d.id DESC LIMIT ?"
        rows2 = [(int(a), str(b)) for a, b in conn.execute(sql, [*p, limit + 1])]
        more = len(rows2) > limit
        rows2 = rows2[:limit]
        return [(i, 0.0) for i, _ in rows2], ([rows2[-1][1], rows2[-1][0]] if more else None)

    @staticmethod
    def _match_ids(conn: sqlite3.Connection, src: str, params: list[Any], *, fts_only: bool) -> Any:
        """Ids of all matches as a numpy array, fetched as one ``group_concat`` string."""
        if fts_only:
            sql = "SELECT group_concat(rowid) FROM docs_fts WHERE docs_fts MATCH ?"
            params = params[:1]
        else:
            sql = f"SELECT group_concat(d.id) FROM {src}"
        return parse_ids(conn.execute(sql, params).fetchone()[0])

    @staticmethod
    def _coded_matches(
        conn: sqlite3.Connection, fmap: FacetMap, expr: str, coded: dict[str, Any]
    ) -> tuple[Any, Any]:
        """(ids of the documents matching the FTS ``expr`` and the facet filters ``coded``, all
        ids matching ``expr`` when they had to be collected, else None).

        The filtered documents' ids form few ranges (an issue's documents have consecutive ids),
        and FTS5 seeks to a rowid range through its doclist indexes, so matching the text in each
        range costs about the filtered documents' share of a full scan: measured (CPU, benchmark
        archive of 100k documents), 人民政府 in one city and year (~180 documents, one range)
        0.57 ms instead of the 84 ms of the full scan. When
        the filter keeps documents all over the archive (many ranges, or a large share of it),
        one scan of the whole index is cheaper (``RANGE_COST``); its matches are filtered in
        memory."""
        wanted = fmap.where(coded)
        ranges = id_ranges(wanted, RANGE_GAP)
        cost = len(ranges) * RANGE_COST + sum(b - a + 1 for a, b in ranges)
        if cost <= RANGE_SHARE * len(fmap.ids):
            sql = "SELECT group_concat(rowid) FROM docs_fts WHERE docs_fts MATCH ? AND rowid BETWEEN ? AND ?"
            parts = [parse_ids(conn.execute(sql, (expr, a, b)).fetchone()[0]) for a, b in ranges]
            found = np.concatenate(parts) if parts else wanted[:0]
            return fmap.select(found, coded), None  # joined ranges hold other documents too
        text_ids = SQLiteStore._match_ids(conn, "", [expr], fts_only=True)
        return fmap.select(text_ids, coded), text_ids

    def _text_estimate(
        self, conn: sqlite3.Connection, fmap: FacetMap, gen: str, expr: str, text_ids: Any
    ) -> float:
        """How many documents of the whole archive the FTS ``expr`` matches, estimated from its
        matches in ``SAMPLE_WINDOWS`` fixed windows of ``SAMPLE_WIDTH`` documents spread over the
        archive (exact when the archive is no larger than that); the same for every filter, and
        counted on ``text_ids`` when those are at hand."""
        est = self._cache.get((gen, expr, "fts_estimate"))
        if est is None:
            windows, n = fmap.sample_windows(SAMPLE_WINDOWS, SAMPLE_WIDTH)
            if text_ids is not None:
                hits = count_in(np.sort(text_ids), windows)
            else:
                sql = "SELECT count(*) FROM docs_fts WHERE docs_fts MATCH ? AND rowid BETWEEN ? AND ?"
                hits = sum(conn.execute(sql, (expr, a, b)).fetchone()[0] for a, b in windows)
            est = hits * len(fmap.ids) / n if n else 0.0
            self._cache.put((gen, expr, "fts_estimate"), est)
        return est

    def _facet_map(self, conn: sqlite3.Connection, gen: str) -> FacetMap:
        fmap = self._fmap
        if fmap is None or fmap.generation != gen:
            with self._fmap_lock:
                fmap = self._fmap
                if fmap is None or fmap.generation != gen:
                    fmap = self._fmap = load_facet_map(conn, gen)
        return fmap

    def _hits(
        self, conn: sqlite3.Connection, ids: list[int], scores: dict[int, float], q: Query, snippets: bool
    ) -> list[Hit]:
        if not ids:
            return []
        needles = q.highlight_strings()
        marks = ",".join("?" * len(ids))
        rows = {
            r[0]: r
            for r in conn.execute(
                "SELECT d.id, d.title, d.doc_number, d.city, d.year, d.signed_date, d.section, d.doc_type,"
                f" d.issuer, d.issue_id, i.issue, i.name, c.body FROM documents d JOIN issues i ON i.id = d.issue_id"
                " JOIN doc_content c ON c.id = d.id"
                f" WHERE d.id IN ({marks})",
                ids,
            )
        }
        import json

        hits = []
        for doc_id in ids:
            r = rows.get(doc_id)
            if r is None:
                continue
            snippet, spans = ("", [])
            if snippets:
                snippet, spans = make_snippet(doc_text(json.loads(decompress_text(r[12]) or "[]")), needles)
            hits.append(
                Hit(
                    id=r[0], title=r[1], doc_number=r[2], city=r[3], year=r[4], signed_date=r[5], section=r[6],
                    doc_type=r[7], issuer=json.loads(r[8]) if r[8] else None, issue_id=r[9], issue=r[10],
                    gazette=r[11], snippet=snippet, highlights=spans,
                    title_highlights=find_spans(r[1], needles), score=scores.get(doc_id, 0.0),
                )
            )
        return hits

    def iter_matches(self, query: str, filters: SearchFilters | None = None) -> Iterator[DocRef]:
        q = parse_query(query)  # raises QueryError now, before anything is streamed
        f = clean_filters(filters)
        fsql, fparams = filter_sql(f)
        src, params, _ = self._match_source(q, fsql, fparams)
        return self._iter_matches(src, params)

    def _iter_matches(self, src: str, params: list[Any]) -> Iterator[DocRef]:
        col = "docs_fts.rowid" if src.startswith("docs_fts") else "d.id"
        conn = self._connect()  # own connection: a consistent snapshot while the caller streams
        try:
            conn.execute("BEGIN")
            last = None
            while True:
                sql = f"SELECT {col} FROM {src}" + (f" AND {col} > ?" if last is not None else "")
                sql += f" ORDER BY {col} LIMIT 500"
                ids = [r[0] for r in conn.execute(sql, [*params] + ([last] if last is not None else []))]
                if not ids:
                    break
                yield from self._refs(conn, ids)
                last = ids[-1]
            conn.execute("COMMIT")
        finally:
            with self._conns_lock:
                if conn in self._all_conns:
                    self._all_conns.remove(conn)
            conn.close()

    # -- reading -------------------------------------------------------------------------------
    _ref = staticmethod(common.doc_ref)

    def _refs(self, conn: sqlite3.Connection, ids: list[int]) -> list[DocRef]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        by_id = {r[0]: common.doc_ref(r) for r in conn.execute(f"{common.REF_SQL} WHERE d.id IN ({marks})", ids)}
        return [by_id[i] for i in ids if i in by_id]

    def get_document(self, doc_id: int) -> DocumentRecord | None:
        import json

        if not common.fits_int64(doc_id):
            return None
        conn = self._conn
        r = conn.execute(
            "SELECT d.id, d.issue_id, d.seq, c.data, c.body, i.gazette, i.source_name, d.doc_number, d.city"
            " FROM documents d JOIN issues i ON i.id = d.issue_id JOIN doc_content c ON c.id = d.id WHERE d.id = ?",
            (doc_id,),
        ).fetchone()
        if r is None:
            return None
        r = (*r[:3], decompress_text(r[3]), decompress_text(r[4]), *r[5:])
        data = json.loads(r[3])
        city = r[8]
        citations = []
        for dn, title, raw, line, kind in conn.execute(
            "SELECT doc_number, title, raw, line, kind FROM citations WHERE doc_id = ? ORDER BY seq", (doc_id,)
        ):
            target = None
            if dn:
                target = conn.execute(
                    "SELECT id, title FROM documents WHERE doc_number = ? AND id != ?"
                    " ORDER BY (city IS ?) DESC, id LIMIT 1",
                    (dn, doc_id, city),
                ).fetchone()
            citations.append(
                CitationLink(dn, title, raw, line, kind, target[0] if target else None, target[1] if target else None)
            )
        cited_by = common.cited_by(conn, "?", r[7], doc_id, lambda ids: self._refs(conn, ids))
        return document_record(r, data, citations, cited_by)

    def find_by_doc_number(self, doc_number: str) -> list[DocRef]:
        return common.find_by_doc_number(self._conn, "?", doc_number)

    def list_issues(self, city: str | None = None, year: int | None = None) -> list[IssueSummary]:
        return common.list_issues(self._conn, "?", city, year)

    def get_issue(self, issue_id: int) -> IssueRecord | None:
        return common.get_issue(self._conn, "?", issue_id)

    def source_lines(self, issue_id: int, start: int, end: int) -> list[str]:
        r = self._conn.execute("SELECT source_text FROM issues WHERE id = ?", (issue_id,)).fetchone()
        text = decompress_text(r[0]) if r is not None else None
        if text is None:
            return []
        lines = text.split("\n")
        start = max(1, int(start))
        return lines[start - 1:max(start - 1, int(end))]

    def issue_source(self, issue_id: int) -> tuple[str, str] | None:
        return common.issue_source(self._conn, "?", issue_id)

    def stale_issues(self, parser_version: str) -> list[int]:
        return common.stale_issues(self._conn, "?", parser_version)

    def stats(self) -> StoreStats:
        c = self._conn
        issues = c.execute("SELECT count(*) FROM issues").fetchone()[0]
        docs = c.execute("SELECT count(*) FROM documents").fetchone()[0]
        cits = c.execute("SELECT count(*) FROM citations").fetchone()[0]
        resolved = c.execute(
            "SELECT count(*) FROM citations c WHERE c.doc_number IS NOT NULL"
            " AND EXISTS (SELECT 1 FROM documents d WHERE d.doc_number = c.doc_number AND d.id != c.doc_id)"
        ).fetchone()[0]
        from gongbao.parse import PARSER_VERSION

        stale = c.execute("SELECT count(*) FROM issues WHERE parser_version != ?", (PARSER_VERSION,)).fetchone()[0]
        return StoreStats(issues, docs, cits, resolved, self.schema_version(), self.backend, self.location, stale)

    def is_empty(self) -> bool:
        return self._conn.execute("SELECT 1 FROM issues LIMIT 1").fetchone() is None


def _available_memory() -> int:
    """Bytes of memory available for the page cache (MemAvailable; free pages where unknown)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return 0


def _split_sql(script: str) -> list[str]:
    return [s.strip() for s in script.split(";\n") if s.strip()]
