"""PostgreSQL backend: the same archive for servers (``postgresql://`` URLs).

The same bigram tokens as SQLite (:mod:`gongbao.store.tokenize`), stored as position-free
``tsvector`` columns with GIN indexes: ``tsv`` (title + body) and ``rtsv`` (own 文号 + cited 文号).
``tsv`` holds three kinds of lexemes, all ``[0-9a-z]`` strings of different lengths (so none can be
mistaken for another):

- 4 characters: each distinct character (a one-character query is one lexeme; a prefix query over
  the bigrams would OR thousands of posting lists for a common character);
- 8 characters: the bigrams and run-end sentinels (a two-character query is one lexeme);
- 16 characters: the "quads", two bigrams two apart, i.e. the 4-grams of each run, and at each
  run's end its last three characters + the sentinel. A four-character query is one quad lexeme and
  a three-character query the prefix query over the quads: both exact from the index alone, where
  the bigram AND needed every candidate's body read back (de-TOASTed) to confirm with ``strpos``,
  ~50-70 us per candidate, 1-2 s for a common phrase at 100k documents.

Longer terms use the index (quads) for candidates and ``strpos`` on the stored folded text to
confirm. A tsvector is at most 1 MB, so a document longer than ``QUAD_MAX_CHARS`` folded
characters stores no quads but the marker lexeme ``NO_QUADS``; queries reach such documents through
the marker AND the bigrams and confirm them with ``strpos``.

The price is paid when writing. Measured on the synthetic 10k archive (benchmarks/archive_bench.py
issues): 2.1k -> 6.2k lexemes per document, GIN index 81 -> 262 MB, and storing 910 documents in
an interleaved A/B on a loaded 2-core machine 105 -> 28 docs/s (GIN maintenance grows with the
lexemes). Search, same archive, same load, interleaved: 4-character p95 161 -> 58 ms plain, 187 ->
65 ms with facets; count(*) of a 4-character term reads up to 1.3k instead of 17k buffers.
Of the server's time storing a document (perf), about half is GIN maintenance of those lexemes;
schema v3 took out the two next largest costs: pglz compression of the ~100 KB tsvector and texts
(now lz4) and parsing + sorting the tsvector literal (now sent sorted, in binary: ``TsVector``).
Storing 910 documents, median of 5 interleaved runs: server CPU 18.1 -> 12.3 ms per document,
client 2.8 -> 4.2 ms (the sort), 48 -> 60 documents per CPU-second in all.

Tables (schema v4): what a text condition reads (``tsv``, ``quads``, ``mtext``: the folded title
and body) is in the narrow ``doc_search`` (one row per document), the rest in ``documents``. A GIN
bitmap scan visits the heap page of every match (GIN has no index-only scans), and a common
character matches most documents: ``doc_search`` packs ~10x more rows per page. City, year,
section, doc type and issuers are lexemes of ``tsv`` too (``FILTER_KINDS``), so a text query
filtered on them reads ``doc_search`` alone, the filter one more key of the same GIN scan; other
filters (dates, issue, 文号) and 文号 terms read ``documents`` (``search_source``).

Why not positions and the phrase operator ``<->``: GIN stores no positions, so a phrase query
rechecks every candidate against its heap tsvector, which with positions is larger than the text
(de-TOASTing more than ``strpos`` does), and positions stop at 16,383.

Ranking: documents with the query terms in the title first (10 points per term), then the newest
stored; at most ``RANK_LIMIT`` matches are ranked, broader queries list the newest-stored first.
(No BM25 here: ``ts_rank`` would read every matching document's large tsvector.)
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import re
import struct
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

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
    cursor_key,
    decode_cursor,
    doc_text,
    document_record,
    dumps,
    encode_cursor,
    find_spans,
    make_snippet,
    prepare_issue,
)
from gongbao.store.facetmap import FacetMap, load_facet_map, page_of_ids, parse_ids
from gongbao.store.query import Query, Term, parse_query
from gongbao.store.tokenize import bigram_tokens, char_code, fold, query_tokens

log = logging.getLogger(__name__)

RANK_LIMIT = 5000
SCAN_ROWS = 500  # a filter leaving at most this many documents: terms tested with strpos (_few_rows)
FACET_VALUES = 100
EXPORT_PAGE = 500  # ids fetched at a time by iter_matches
REF_SEP = "\x01"  # folded text never contains control characters
# Quads (4-grams) are 16-character lexemes: ~20 bytes per folded character in the tsvector, which
# holds at most 1 MB with the bigrams; longer documents store NO_QUADS instead (see the docstring).
QUAD_MAX_CHARS = 20_000
NO_QUADS = "zzzzzzzz"  # never a bigram: no code point encodes as "zzzz"
# This backend's schema version (each backend counts its own; see MIGRATIONS).
SCHEMA_VERSION = 4
# Columns whose large values are TOASTed and compressed with lz4 where the server has it (since v3;
# ``mtext`` is stored uncompressed).
LZ4_COLUMNS = {
    "documents": ("rtsv", "data", "body"),
    "doc_search": ("tsv",),
    "issues": ("gazette", "toc", "source_text"),
}
# The same columns as v3 had them (v4 moved ``tsv`` and the folded body to ``doc_search``).
_LZ4_COLUMNS_V3 = {
    "documents": ("tsv", "rtsv", "data", "body", "mbody"),
    "issues": ("gazette", "toc", "source_text"),
}

_SCHEMA_V1 = [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE issues (
        id BIGSERIAL PRIMARY KEY,
        content_hash TEXT NOT NULL UNIQUE,
        ident TEXT UNIQUE,
        name TEXT, city TEXT, year INTEGER, issue INTEGER, total_issue INTEGER, published TEXT,
        source_name TEXT NOT NULL, ingested_at TEXT NOT NULL,
        gazette TEXT NOT NULL, toc TEXT NOT NULL, warnings TEXT NOT NULL,
        line_count INTEGER NOT NULL, parser_version TEXT NOT NULL,
        source_text TEXT)""",
    "CREATE INDEX issues_city_year ON issues(city, year, issue)",
    """CREATE TABLE documents (
        id BIGSERIAL PRIMARY KEY,
        issue_id BIGINT NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        title TEXT NOT NULL, doc_number TEXT, issuer TEXT,
        doc_type TEXT, section TEXT, signed_date TEXT, sort_date TEXT NOT NULL,
        city TEXT, year INTEGER,
        refs TEXT NOT NULL, data TEXT NOT NULL, body TEXT NOT NULL,
        mtitle TEXT NOT NULL, mbody TEXT NOT NULL, mrefs TEXT NOT NULL,
        tsv TSVECTOR NOT NULL, rtsv TSVECTOR NOT NULL,
        UNIQUE (issue_id, seq))""",
    "ALTER TABLE documents ALTER COLUMN mbody SET STORAGE EXTERNAL",
    "CREATE INDEX documents_tsv ON documents USING GIN (tsv) WITH (gin_pending_list_limit = 65536)",
    "CREATE INDEX documents_rtsv ON documents USING GIN (rtsv)",
    "CREATE INDEX documents_doc_number ON documents(doc_number)",
    "CREATE INDEX documents_sort ON documents(sort_date, id)",
    "CREATE INDEX documents_city ON documents(city, year)",
    "CREATE INDEX documents_year ON documents(year)",
    "CREATE INDEX documents_section ON documents(section)",
    "CREATE INDEX documents_doc_type ON documents(doc_type)",
    """CREATE TABLE doc_issuers (
        doc_id BIGINT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        issuer TEXT NOT NULL, PRIMARY KEY (doc_id, issuer))""",
    "CREATE INDEX doc_issuers_issuer ON doc_issuers(issuer, doc_id)",
    """CREATE TABLE citations (
        doc_id BIGINT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL, doc_number TEXT, title TEXT, raw TEXT NOT NULL, line INTEGER,
        kind TEXT NOT NULL, PRIMARY KEY (doc_id, seq))""",
    "CREATE INDEX citations_doc_number ON citations(doc_number)",
    """CREATE TABLE personnel (
        doc_id BIGINT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL, person TEXT NOT NULL, action TEXT NOT NULL, position TEXT, line INTEGER,
        PRIMARY KEY (doc_id, seq))""",
    "CREATE INDEX personnel_person ON personnel(person)",
]



def _rewrite_tsv(conn) -> None:
    """v2: recompute every document's ``tsv`` (adding character and quad lexemes) from its stored
    folded title and body, in batches, with the GIN index dropped and rebuilt once at the end (a
    bulk build is far cheaper than 100k index updates). Runs inside the migration transaction: if
    it fails or is interrupted, the archive stays v1 with nothing lost."""
    conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
    with conn.cursor(name="gongbao_v2") as src, conn.cursor() as dst:
        src.itersize = 500
        src.execute("SELECT id, mtitle, mbody FROM documents")
        while rows := src.fetchmany(500):
            ids, tsvs, flags = [], [], []
            for doc_id, mtitle, mbody in rows:
                tsv, has_quads = doc_tsvector(bigram_tokens(mtitle), bigram_tokens(mbody), len(mtitle) + len(mbody))
                ids.append(doc_id)
                tsvs.append(tsv)
                flags.append(has_quads)
            dst.execute(
                "UPDATE documents d SET tsv = v.tsv::tsvector, quads = v.quads"
                " FROM unnest(%s::bigint[], %s::text[], %s::bool[]) AS v(id, tsv, quads) WHERE d.id = v.id",
                (ids, tsvs, flags),
            )


_SCHEMA_V2: list[Any] = [
    "ALTER TABLE documents ADD COLUMN quads BOOLEAN NOT NULL DEFAULT FALSE",
    "DROP INDEX documents_tsv",
    _rewrite_tsv,
    "CREATE INDEX documents_tsv ON documents USING GIN (tsv) WITH (gin_pending_list_limit = 65536)",
    # cached totals and facets of other processes are keyed on the generation
    "UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'generation'",
]



def lz4_available(conn) -> bool:
    """Whether the server was built with lz4 (``--with-lz4``; Debian's and most packages are)."""
    row = conn.execute(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    ).fetchone()
    return bool(row and row[0])


def _lz4_columns(conn) -> None:
    """v3: compress the TOASTed columns with lz4 instead of pglz. pglz compressing each new row's
    ~100 KB tsvector and texts was 19% of the server's CPU time when storing (perf, 910 documents);
    lz4 compresses as well here (sizes within 3%). Only new values are written with lz4: a metadata
    change, no rewrite (old rows keep pglz, which reads fine). A server without lz4 stays on pglz."""
    if not lz4_available(conn):
        return
    for table, cols in _LZ4_COLUMNS_V3.items():
        conn.execute(f"ALTER TABLE {table} " + ", ".join(f"ALTER COLUMN {c} SET COMPRESSION lz4" for c in cols))


_SCHEMA_V3: list[Any] = [_lz4_columns]


def _search_table(conn) -> None:
    """v4: what a text condition reads moves from ``documents`` to the narrow table ``doc_search``:
    ``tsv`` (gaining the filter lexemes, ``FILTER_KINDS``), ``quads``, and ``mtext``, the folded
    title and body in one column (``mtitle`` stays in ``documents`` for ranking). GIN cannot answer
    from the index alone: a bitmap scan visits the heap page of every match, and a common term
    matches most of the archive. Measured at 100k documents: count(*) of a character in every
    document read all 11,691 heap pages of ``documents`` in ~45 ms, 22 ms on a ``doc_search``
    that still held the folded title inline (2,548 pages).
    The rows are copied and the GIN index built once after (maintenance memory raised for it), then
    ``documents`` is rewritten (``CLUSTER``) so the dropped columns' TOAST space is freed. All in
    the migration's transaction: interrupted, the archive stays v3."""
    n_docs = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    if n_docs:
        log.warning("upgrading the archive to schema v4 (moving the texts of %d documents to doc_search and"
                    " rebuilding their index); this runs once (100k documents: ~20 minutes)", n_docs)
    kb = conn.execute("SELECT setting::bigint FROM pg_settings WHERE name = 'maintenance_work_mem'").fetchone()[0]
    if kb < 1 << 20:  # at least 1 GB for the index build (a larger setting, e.g. from PGOPTIONS, is kept)
        conn.execute("SET LOCAL maintenance_work_mem = '1GB'")
    conn.execute(_DOC_SEARCH_TABLE)
    conn.execute("ALTER TABLE doc_search ALTER COLUMN mtext SET STORAGE EXTERNAL")
    if lz4_available(conn):
        conn.execute("ALTER TABLE doc_search ALTER COLUMN tsv SET COMPRESSION lz4")
    lex = ", ".join(filter_lexeme_sql(k, f"d.{k}") for k in ("city", "year", "section", "doc_type"))
    issuers = (f"coalesce((SELECT array_agg({filter_lexeme_sql('issuer', 'i.issuer')}) FROM doc_issuers i"
               " WHERE i.doc_id = d.id), '{}')")
    conn.execute(
        "INSERT INTO doc_search(id, quads, tsv, mtext) SELECT d.id, d.quads,"
        f" d.tsv || array_to_tsvector(array_remove(ARRAY[{lex}], NULL) || {issuers}),"
        f" d.mtitle || chr({ord(TEXT_SEP)}) || d.mbody FROM documents d"
    )
    conn.execute(_DOC_SEARCH_INDEX)
    conn.execute("DROP INDEX documents_tsv")
    conn.execute("ALTER TABLE documents DROP COLUMN tsv, DROP COLUMN quads, DROP COLUMN mbody")
    conn.execute("CLUSTER documents USING documents_pkey")
    conn.execute("ANALYZE doc_search")
    conn.execute("UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'generation'")


# ~70-byte rows (~110 per page): ``id``, ``quads``, and TOAST pointers to ``tsv`` and ``mtext``.
# ``mtext`` is folded title + TEXT_SEP + folded body, stored uncompressed: ``strpos`` reads it
# without decompressing, and no term can match across the separator (folding drops controls).
TEXT_SEP = "\x01"
_DOC_SEARCH_TABLE = """CREATE TABLE doc_search (
    id BIGINT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    quads BOOLEAN NOT NULL, tsv TSVECTOR NOT NULL, mtext TEXT NOT NULL)"""
_DOC_SEARCH_INDEX = "CREATE INDEX doc_search_tsv ON doc_search USING GIN (tsv) WITH (gin_pending_list_limit = 65536)"

_SCHEMA_V4: list[Any] = [_search_table]

MIGRATIONS: dict[int, list[Any]] = {1: _SCHEMA_V1, 2: _SCHEMA_V2, 3: _SCHEMA_V3, 4: _SCHEMA_V4}

_CURSOR_MODES: dict[str, tuple[type, ...]] = {"rank": (float, int), "id": (int,), "date": (str, int)}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _tsvector(tokens: list[str]) -> str:
    return " ".join(sorted(set(tokens)))


def quads(bigrams: list[str]) -> list[str]:
    """The quad lexemes of one run from its bigram tokens (``bigram_tokens``, sentinel last):
    bigram i + bigram i+2 is the 4-gram at i, and for the last i the run's last three characters +
    the sentinel, so every 3-gram of the run starts some quad."""
    return [a + b for a, b in zip(bigrams, bigrams[2:], strict=False)]


class TsVector:
    """A position-free tsvector sent to the server in binary (``tsvectorrecv``): a lexeme count,
    then each lexeme NUL-terminated with a zero position count, in sorted order so the server
    neither parses text nor sorts. Parsing and sorting the text form (``tsvectorin``) of ~6k
    lexemes per document was ~15% of the server's CPU time when storing (perf)."""

    __slots__ = ("data",)

    def __init__(self, lexemes: set[str] | list[str]) -> None:
        lex = sorted(lexemes)  # [0-9a-z] only: str order is the server's byte order
        self.data = struct.pack("!i", len(lex)) + ("\0\0\0".join(lex) + "\0\0\0" if lex else "").encode("ascii")


@functools.cache
def _tsvector_dumper() -> type:
    from psycopg.adapt import Dumper
    from psycopg.pq import Format

    class TsVectorDumper(Dumper):
        format = Format.BINARY
        oid = 3614  # tsvector (a fixed built-in type oid)

        def dump(self, obj: TsVector) -> bytes:
            return obj.data

    return TsVectorDumper


# Filter lexemes (schema v4): the document's city, year, section, doc type and issuers are lexemes
# of ``tsv`` too, so a filter on them is one more key of the same GIN index scan, which
# intersects the posting lists inside the index: only the heap rows matching text AND filter are
# visited. (As a btree condition on another column the planner would test ``tsv`` row by row on
# the filter's rows, or hash every text match.) 'f' + kind + 'x' + the value's UTF-8 bytes in hex:
# exact, odd in length (never a 4-, 8- or 16-character lexeme), and computable in SQL.
FILTER_KINDS = {"city": "c", "year": "y", "section": "s", "doc_type": "t", "issuer": "i"}


def filter_lexeme(kind: str, value: str | int) -> str:
    return f"f{FILTER_KINDS[kind]}x{str(value).encode('utf-8').hex()}"


def filter_lexeme_sql(kind: str, expr: str) -> str:
    """``filter_lexeme`` in SQL, NULL where ``expr`` is NULL."""
    return f"('f{FILTER_KINDS[kind]}x' || encode(convert_to(({expr})::text, 'UTF8'), 'hex'))"


def doc_filter_lexemes(city: str | None, year: int | None, section: str | None, doc_type: str | None,
                       issuers: list[str]) -> list[str]:
    out = [filter_lexeme(k, v) for k, v in (("city", city), ("year", year), ("section", section),
                                            ("doc_type", doc_type)) if v is not None]
    out += [filter_lexeme("issuer", x) for x in dict.fromkeys(issuers)]
    return out


def filter_tsquery(f: SearchFilters) -> str | None:
    """The tsquery of the filters that are lexemes (AND), or None if there are none."""
    lex = [filter_lexeme(k, v) for k in FILTER_KINDS if (v := getattr(f, k)) is not None]
    return " & ".join(lex) or None


def lexeme_filters_only(f: SearchFilters) -> bool:
    """Whether every filter set is one of ``FILTER_KINDS`` (the others need ``documents``)."""
    return f.doc_number is None and f.issue_id is None and not f.date_from and not f.date_to


def doc_lexemes(title_bigrams: list[str], body_bigrams: list[str], folded_chars: int,
                extra: list[str] | tuple[str, ...] = ()) -> tuple[set[str], bool]:
    """(lexemes of ``tsv``, has quads) for one document's title and body bigram tokens, plus
    ``extra`` (its filter lexemes)."""
    lexemes = set(title_bigrams)
    lexemes.update(body_bigrams)
    lexemes.update([t[:4] for t in lexemes])  # every character starts a bigram or sentinel token
    has_quads = folded_chars <= QUAD_MAX_CHARS
    if has_quads:
        lexemes.update(quads(title_bigrams))
        lexemes.update(quads(body_bigrams))
    else:
        lexemes.add(NO_QUADS)
    lexemes.update(extra)
    return lexemes, has_quads


def doc_tsvector(title_bigrams: list[str], body_bigrams: list[str], folded_chars: int) -> tuple[str, bool]:
    """(tsvector text of ``tsv``, has quads): ``doc_lexemes`` as a tsvector literal."""
    lexemes, has_quads = doc_lexemes(title_bigrams, body_bigrams, folded_chars)
    return " ".join(lexemes), has_quads


def doc_tsv(title_bigrams: list[str], body_bigrams: list[str], folded_chars: int,
            extra: list[str] | tuple[str, ...] = ()) -> tuple[TsVector, bool]:
    """(``tsv`` to send in binary, has quads)."""
    lexemes, has_quads = doc_lexemes(title_bigrams, body_bigrams, folded_chars, extra)
    return TsVector(lexemes), has_quads


def _refs_tsquery(folded: str) -> str:
    """The tsquery over ``rtsv`` (bigrams and sentinels only) finding candidates for ``folded``."""
    toks, prefix = query_tokens(folded)
    if prefix:
        return f"{toks[0]}:*"
    return " & ".join(sorted(set(toks)))


def _tsquery(folded: str) -> tuple[str, str]:
    """(tsquery text, confirm) for one folded string over ``tsv``. confirm: "never" (the index is
    exact), "no-quads" (exact except for documents without quads, which need ``strpos``) or
    "always" (the index gives candidates only)."""
    n = len(folded)
    codes = [char_code(c) for c in folded]
    if n == 1:
        return codes[0], "never"
    if n == 2:
        return codes[0] + codes[1], "never"
    fallback = " & ".join([NO_QUADS, *sorted({a + b for a, b in zip(codes, codes[1:], strict=False)})])
    if n == 3:
        return f"{''.join(codes)}:* | ({fallback})", "no-quads"
    if n == 4:
        return f"{''.join(codes)} | ({fallback})", "no-quads"
    # longer: quads at every third position and the last one cover the term
    starts = sorted({*range(0, n - 3, 3), n - 4})
    cover = " & ".join(sorted({"".join(codes[i:i + 4]) for i in starts}))
    return f"({cover}) | ({fallback})", "always"


# How the statements finding matches reach the text columns (``search_source``):
TEXT = "text"  # FROM doc_search d: the text conditions on the narrow table alone
SCAN = "scan"  # FROM documents d JOIN doc_search s: strpos on the few rows a filter leaves
SUB = "sub"  # FROM documents d: each term's text condition a subquery over doc_search's GIN index
SOURCES = {TEXT: "doc_search d", SCAN: "documents d JOIN doc_search s ON s.id = d.id", SUB: "documents d"}


def term_sql(t: Term, form: str = TEXT) -> tuple[str, list[Any]]:
    """SQL condition of one term in one of the ``SOURCES`` forms.

    ``SCAN`` tests the folded texts with ``strpos`` only (the definition of a match), for a few
    rows picked by a filter: reading ``mtext`` (stored uncompressed) costs a quarter of
    de-TOASTing and decompressing the ~100 KB ``tsv``. ``SUB`` puts the text condition in
    ``d.id IN (SELECT ... OFFSET 0)``: the fence keeps the planner from testing ``tsv`` row by
    row on the rows a filter gives (it does not price de-TOASTing, ~150 us per row); the GIN
    index finds all matches first. 文号 conditions are on ``documents`` (``d``) in every form."""
    parts: list[str] = []
    params: list[Any] = []
    a = {TEXT: "d", SCAN: "s", SUB: "x"}[form]
    confirm_sql = f"strpos({a}.mtext, %s) > 0"
    for v in t.variants():
        tsq, confirm = _tsquery(v)
        if form == SCAN:
            parts.append(confirm_sql)
            params.append(v)
        elif confirm == "never":
            parts.append(f"{a}.tsv @@ %s::tsquery")
            params.append(tsq)
        elif confirm == "no-quads":  # quads is in the heap row: no de-TOASTing for the others
            parts.append(f"({a}.tsv @@ %s::tsquery AND ({a}.quads OR {confirm_sql}))")
            params += [tsq, v]
        else:
            parts.append(f"({a}.tsv @@ %s::tsquery AND {confirm_sql})")
            params += [tsq, v]
    if form == SUB and parts:
        parts = [f"d.id IN (SELECT x.id FROM doc_search x WHERE {' OR '.join(parts)} OFFSET 0)"]
    if t.doc_number:
        dn = fold(t.doc_number)
        parts.append("(d.rtsv @@ %s::tsquery AND strpos(d.mrefs, %s) > 0)")
        params += [_refs_tsquery(dn), dn]
    return "(" + " OR ".join(parts) + ")", params


def query_sql(q: Query, form: str = TEXT) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    for g in q.groups:
        sub = [term_sql(t, form) for t in g]
        parts.append("(" + " OR ".join(s for s, _ in sub) + ")")
        for _, p in sub:
            params += p
    for t in q.excluded:
        # excluded terms as GIN subqueries in the TEXT form too: "NOT tsv @@ ..." would be tested
        # row by row on every candidate, de-TOASTing its tsvector (seconds for a common term)
        s, p = term_sql(t, SUB if form == TEXT else form)
        parts.append(f"NOT {s}")
        params += p
    return (" AND ".join(parts) or "TRUE"), params


def search_source(q: Query, f: SearchFilters, few_rows: bool) -> str:
    """The form (``SOURCES``) of the statements finding ``q``'s matches under the filters ``f``.
    A filter leaving ``few_rows`` has them tested with ``strpos`` (``SCAN``); a text query whose
    filters are all lexemes (``FILTER_KINDS``) and which has no 文号 terms reads ``doc_search``
    alone (``TEXT``: its pages hold ~6x the rows of ``documents``, and a GIN bitmap scan visits the
    page of every match); anything else reads ``documents``, the text through subqueries. No query
    at all reads ``documents`` alone (``SUB`` without subqueries)."""
    if q.is_empty():
        return SUB
    if q.groups and few_rows:
        return SCAN
    if q.groups and lexeme_filters_only(f) and not any(t.doc_number for t in [*q.positive_terms(), *q.excluded]):
        return TEXT
    return SUB


def where_sql(q: Query, f: SearchFilters, form: str) -> tuple[str, list[Any]]:
    """The WHERE condition (and its parameters) of ``q`` under ``f`` in the form ``form``."""
    qsql, qparams = query_sql(q, form)
    if form == TEXT:
        lex = filter_tsquery(f)
        return (f"{qsql} AND d.tsv @@ %s::tsquery", [*qparams, lex]) if lex else (qsql, qparams)
    fsql, fparams = filter_sql(f)
    return f"{qsql} AND {fsql}", [*qparams, *fparams]


def filter_sql(f: SearchFilters) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    for name in ("city", "year", "section", "doc_type", "doc_number", "issue_id"):
        v = getattr(f, name)
        if v is not None:
            parts.append(f"d.{name} = %s")
            params.append(v)
    if f.date_from:
        parts.append("d.signed_date >= %s")
        params.append(f.date_from)
    if f.date_to:
        parts.append("d.signed_date <= %s")
        params.append(f.date_to)
    if f.issuer is not None:
        parts.append("d.id IN (SELECT doc_id FROM doc_issuers WHERE issuer = %s)")
        params.append(f.issuer)
    return (" AND ".join(parts) or "TRUE"), params


def _safe_url(url: str) -> str:
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


class PostgresStore(Store):
    backend = "postgresql"

    def __init__(self, url: str) -> None:
        try:
            import psycopg  # noqa: F401
        except ImportError:  # pragma: no cover - psycopg is a dependency
            raise StoreError("PostgreSQL support needs psycopg: pip install 'psycopg[binary]'") from None
        self.url = url
        self.location = _safe_url(url)
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self._all: list[Any] = []
        self._all_lock = threading.Lock()
        self._batch_tx: Any = None
        self._closed = False
        self._cache = LRU()
        self._fmap: FacetMap | None = None  # facet codes of every document, per write generation
        self._migrate()

    # -- connections ---------------------------------------------------------------------------
    def _connect(self):
        import psycopg

        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=20)
            # The planner does not price de-TOASTing: it picks sequential scans that read every
            # document's large tsvector (~1 s at 100k documents) over a GIN bitmap scan that
            # never opens them (~1 ms). Our queries are index-driven, so steer it there.
            conn.execute("SET enable_seqscan = off")
            # JIT compilation adds 100+ ms to large scans for nothing here; pages are in memory.
            conn.execute("SET jit = off")
            conn.execute("SET random_page_cost = 1.1")
            # psycopg prepares a statement run 5 times; after 5 more the server may switch to a
            # generic plan, blind to the parameters: for the filtered subquery form it stopped
            # hashing the GIN matches (at 100k, a year filter went from ~60 to ~250-320 ms).
            # Planning each search for its own values costs ~1 ms.
            conn.execute("SET plan_cache_mode = force_custom_plan")
            conn.adapters.register_dumper(TsVector, _tsvector_dumper())
        except psycopg.Error as exc:
            raise StoreError(f"{self.location}: cannot connect ({str(exc).strip()})") from None
        with self._all_lock:
            self._all.append(conn)
        return conn

    @property
    def _conn(self):
        if self._closed:
            raise StoreError(f"{self.location}: the archive is closed")
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._local.conn = self._connect()
        return conn

    def close(self) -> None:
        self._closed = True
        with self._all_lock:
            for c in self._all:
                with contextlib.suppress(Exception):
                    c.close()
            self._all.clear()
        self._local = threading.local()

    # -- schema --------------------------------------------------------------------------------
    def _migrate(self) -> None:
        conn = self._conn
        with self._write_lock, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(7071996)")
            has_meta = conn.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()[0]
            version = self.schema_version() if has_meta else 0
            if not has_meta and conn.execute("SELECT to_regclass('documents') IS NOT NULL").fetchone()[0]:
                raise StoreError(f"{self.location}: this database is not a gongbao archive")
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.location}: archive schema v{version} is newer than this gongbao (v{SCHEMA_VERSION})"
                )
            for v in range(version + 1, SCHEMA_VERSION + 1):
                for stmt in MIGRATIONS[v]:
                    if callable(stmt):
                        stmt(conn)
                    else:
                        conn.execute(stmt)
                conn.execute(
                    "INSERT INTO meta(key, value) VALUES ('schema_version', %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(v),),
                )

    @staticmethod
    def _generation(conn) -> str:
        row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return row[0] if row else "0"

    @staticmethod
    def _bump(conn) -> None:
        conn.execute(
            "INSERT INTO meta(key, value) VALUES ('generation', '1') "
            "ON CONFLICT (key) DO UPDATE SET value = (meta.value::bigint + 1)::text"
        )

    def schema_version(self) -> int:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    # -- writing -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        with self._write_lock:
            if self._batch_tx is not None:
                yield
                return
            conn = self._conn
            with conn.transaction() as tx:
                self._batch_tx = tx
                try:
                    yield
                finally:
                    self._batch_tx = None
            self._clean_pending()

    def _clean_pending(self) -> None:
        """Move the GIN pending lists (fast inserts) into the index proper, in bulk."""
        import psycopg

        with contextlib.suppress(psycopg.Error):  # needs ownership; autovacuum does it otherwise
            self._conn.execute(
                "SELECT gin_clean_pending_list('doc_search_tsv'), gin_clean_pending_list('documents_rtsv')"
            )

    def known_hashes(self, parser_version: str | None = None) -> set[str]:
        if parser_version is None:
            return {r[0] for r in self._conn.execute("SELECT content_hash FROM issues")}
        return {
            r[0] for r in self._conn.execute(
                "SELECT content_hash FROM issues WHERE parser_version = %s", (parser_version,)
            )
        }

    def has_content(self, content_hash: str, parser_version: str | None = None) -> int | None:
        row = self._conn.execute(
            "SELECT id, parser_version FROM issues WHERE content_hash = %s", (content_hash,)
        ).fetchone()
        if row is None or (parser_version is not None and row[1] != parser_version):
            return None
        return int(row[0])

    def store_issue(
        self, issue: Issue, *, content_hash: str, source_name: str, source_text: str | None = None
    ) -> StoreOutcome:
        return self.store_prepared(
            prepare_issue(issue, content_hash=content_hash, source_name=source_name, source_text=source_text,
                          compress=False)
        )

    def store_prepared(self, p: PreparedIssue) -> StoreOutcome:
        with self._write_lock:
            conn = self._conn
            with conn.transaction():  # a savepoint inside a batch
                out = self._store(conn, p)
            if self._batch_tx is None:
                self._clean_pending()
            return out

    def _store(self, conn, p: PreparedIssue) -> StoreOutcome:
        row = conn.execute(
            "SELECT id, parser_version FROM issues WHERE content_hash = %s FOR UPDATE", (p.content_hash,)
        ).fetchone()
        if row is not None and row[1] == p.parser_version:
            n = conn.execute("SELECT count(*) FROM documents WHERE issue_id = %s", (row[0],)).fetchone()[0]
            return StoreOutcome("unchanged", int(row[0]), int(n), p.warning_count)
        old_id = int(row[0]) if row is not None else None
        if old_id is None and p.ident is not None:
            r = conn.execute("SELECT id FROM issues WHERE ident = %s FOR UPDATE", (p.ident,)).fetchone()
            old_id = int(r[0]) if r else None
        values = (
            p.content_hash, p.ident, p.name, p.city, p.year, p.issue, p.total_issue, p.published,
            p.source_name, _now(), p.gazette_json, p.toc_json, p.warnings_json, p.line_count,
            p.parser_version, p.source_text,
        )
        reuse: dict[int, int] = {}
        if old_id is not None:
            for doc_id, seq in conn.execute("SELECT id, seq FROM documents WHERE issue_id = %s", (old_id,)):
                reuse[int(seq)] = int(doc_id)
            conn.execute("DELETE FROM documents WHERE issue_id = %s", (old_id,))
            conn.execute(
                "UPDATE issues SET content_hash=%s, ident=%s, name=%s, city=%s, year=%s, issue=%s,"
                " total_issue=%s, published=%s, source_name=%s, ingested_at=%s, gazette=%s, toc=%s,"
                " warnings=%s, line_count=%s, parser_version=%s, source_text=%s WHERE id = %s",
                (*values, old_id),
            )
            issue_id, status = old_id, "replaced"
        else:
            issue_id = conn.execute(
                "INSERT INTO issues(content_hash, ident, name, city, year, issue, total_issue, published,"
                " source_name, ingested_at, gazette, toc, warnings, line_count, parser_version, source_text)"
                " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) RETURNING id",
                values,
            ).fetchone()[0]
            status = "added"
        # new ids in one round trip (was one per document)
        n_new = sum(1 for d in p.docs if d.seq not in reuse)
        fresh = iter(sorted(
            r[0] for r in conn.execute(
                "SELECT nextval(pg_get_serial_sequence('documents', 'id')) FROM generate_series(1, %s)", (n_new,)
            )
        ) if n_new else [])
        ids = [reuse[d.seq] if d.seq in reuse else next(fresh) for d in p.docs]
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO documents(id, issue_id, seq, title, doc_number, issuer, doc_type, section,"
                " signed_date, sort_date, city, year, refs, data, body, mtitle, mrefs, rtsv)"
                " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s::tsvector)",
                [
                    (
                        doc_id, issue_id, d.seq, d.title, d.doc_number, d.issuer_json, d.doc_type, d.section,
                        d.signed_date, d.signed_date or "", p.city, p.year, dumps(d.refs), d.data_json,
                        d.body_json, d.ftitle, REF_SEP.join(d.frefs), _tsvector(d.refs_tokens()),
                    )
                    for doc_id, d in zip(ids, p.docs, strict=True)
                ],
            )
            cur.executemany(
                "INSERT INTO doc_search(id, quads, tsv, mtext) VALUES (%s,%s,%s::tsvector,%s)",
                [
                    (doc_id, has_quads, tsv, d.ftitle + TEXT_SEP + d.fbody)
                    for doc_id, d in zip(ids, p.docs, strict=True)
                    for tsv, has_quads in [doc_tsv(
                        d.title_tokens(), d.body_tokens(), len(d.ftitle) + len(d.fbody),
                        doc_filter_lexemes(p.city, p.year, d.section, d.doc_type, d.issuers),
                    )]
                ],
            )
            issuers = [(i, x) for i, d in zip(ids, p.docs, strict=True) for x in dict.fromkeys(d.issuers)]
            if issuers:
                cur.executemany("INSERT INTO doc_issuers(doc_id, issuer) VALUES (%s, %s)", issuers)
            cits = [(i, *c) for i, d in zip(ids, p.docs, strict=True) for c in d.citations]
            if cits:
                cur.executemany(
                    "INSERT INTO citations(doc_id, seq, doc_number, title, raw, line, kind)"
                    " VALUES (%s,%s,%s,%s,%s,%s,%s)",
                    cits,
                )
            pers = [(i, *x) for i, d in zip(ids, p.docs, strict=True) for x in d.personnel]
            if pers:
                cur.executemany(
                    "INSERT INTO personnel(doc_id, seq, person, action, position, line) VALUES (%s,%s,%s,%s,%s,%s)",
                    pers,
                )
        self._bump(conn)
        return StoreOutcome(status, int(issue_id), len(p.docs), p.warning_count)

    def delete_issue(self, issue_id: int) -> bool:
        if not common.fits_int64(issue_id):
            return False
        with self._write_lock:
            conn = self._conn
            with conn.transaction():
                n = conn.execute("DELETE FROM issues WHERE id = %s", (int(issue_id),)).rowcount
                if n:
                    self._bump(conn)
            return n > 0

    def backup(
        self, dest: str, *, overwrite: bool = False, progress: Callable[[int, int], None] | None = None
    ) -> int:
        import os
        import shutil
        import subprocess

        from gongbao.store.pgcluster import find_bindir

        final, tmp = common.backup_target(dest, overwrite)
        bindir = find_bindir()
        exe = shutil.which("pg_dump") or (str(bindir / "pg_dump") if bindir and (bindir / "pg_dump").exists() else None)
        if exe is None:
            raise StoreError("pg_dump not found: install PostgreSQL's client programs to back up a PostgreSQL archive")
        try:
            # One consistent snapshot (pg_dump runs in a repeatable-read transaction); writers go on.
            r = subprocess.run([exe, "--format=custom", "--no-owner", "--no-privileges", "--file", str(tmp),
                                "--dbname", self.url], capture_output=True, text=True, check=False)
            if r.returncode != 0:
                why = (r.stderr.strip().splitlines() or [f"exit code {r.returncode}"])[-1]
                raise StoreError(f"{final}: pg_dump failed ({why})")
            os.replace(tmp, final)
        except OSError as exc:
            raise StoreError(f"{final}: the backup failed ({exc.strerror or exc})") from None
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        if progress:
            progress(1, 1)
        return final.stat().st_size

    def optimize(self) -> None:
        """``VACUUM (ANALYZE)``: folds the GIN indexes' pending entries into the index proper,
        reclaims the space of replaced and deleted rows, refreshes the planner's statistics."""
        with self._write_lock:
            if self._batch_tx is not None:
                raise StoreError("optimize cannot run inside a batch")
            self._conn.execute("VACUUM (ANALYZE)")

    # -- searching -----------------------------------------------------------------------------
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
        import psycopg

        t0 = time.perf_counter()
        q = parse_query(query)
        f = clean_filters(filters)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
            raise QueryError(f"limit: 应在 1 到 {MAX_LIMIT} 之间 (got {limit!r})")
        key = cursor_key(q, f, order)
        last_mode, last = decode_cursor(cursor, key, _CURSOR_MODES) if cursor else (None, None)
        by_rank = order == "relevance"
        fsql, fparams = filter_sql(f)
        conn = self._conn
        try:
            gen = self._generation(conn)
            form = search_source(q, f, self._few_rows(conn, gen, fsql, fparams) if q.groups else False)
            src = SOURCES[form]
            where, params = where_sql(q, f, form)
            cached = self._cache.get((gen, key, "facets")) if facets else None
            matches = None  # the ids of all matches, when a step here had to find them anyway
            if cached is not None:
                facet_out, total = {k: list(v) for k, v in cached[0].items()}, cached[1]
            elif facets:
                facet_out, matches = self._facets(conn, src, where, params)
                total = len(matches)
                self._cache.put((gen, key, "facets"), (facet_out, total))
                self._cache.put((gen, key, "total"), total)
                facet_out = {k: list(v) for k, v in facet_out.items()}
            else:
                facet_out = {}
                total = self._cache.get((gen, key, "total"))
                if q.groups and form != TEXT:
                    # filtered (few matches) or 文号: their ids in one pass, the page from them
                    matches = self._match_ids(conn, src, where, params)
                    total = len(matches)
                    self._cache.put((gen, key, "total"), total)
                elif total is None:
                    total = conn.execute(f"SELECT count(*) FROM {src} WHERE {where}", params).fetchone()[0]
                    self._cache.put((gen, key, "total"), total)
            if q.groups:
                mode = last_mode or ("rank" if by_rank and total <= RANK_LIMIT else "id")
            else:
                mode = last_mode or "date"
                if mode != "date":
                    raise QueryError("无效的翻页游标：请重新搜索 (invalid cursor)")
            if matches is None and q.groups and (form != TEXT or mode == "rank"):
                # ranking reads the titles in documents: the (at most RANK_LIMIT) ids first
                matches = self._match_ids(conn, src, where, params)
            if matches is not None and q.groups:
                rows, next_last = self._page_of(conn, q, matches, mode, last, limit)
            else:  # TEXT form by id, or no text query (by date)
                rows, next_last = self._page(conn, src, where, params, mode, last, limit, total)
        except psycopg.errors.ProgramLimitExceeded as exc:
            raise QueryError(f"无法执行此查询 (query could not be run: {exc})") from None
        hits = self._hits(conn, rows, q, snippets)
        return SearchResult(
            query=query or "", total=int(total), hits=hits, facets=facet_out,
            next_cursor=encode_cursor(key, mode, next_last) if next_last is not None else None,
            filters=f, took_ms=(time.perf_counter() - t0) * 1000,
        )

    def _score_sql(self, q: Query) -> tuple[str, list[Any]]:
        """10 points per query term found in the folded title (``documents.mtitle``, small and
        stored inline, so this never reads the large columns)."""
        parts: list[str] = []
        params: list[Any] = []
        for t in q.positive_terms():
            parts.append("(strpos(d.mtitle, %s) > 0)::int * 10")
            params.append(t.folded)
        return "(" + (" + ".join(parts) or "0") + ")::float8", params

    def _page(self, conn, src: str, where: str, params: list[Any], mode: str,
              last: list[Any] | None, limit: int, total: int) -> tuple[list[tuple[int, float]], list[Any] | None]:
        """A page for a query in the ``TEXT`` form by id, or, without query, by date (ranked pages
        come from the match ids: ``_page_of``)."""
        if mode == "id":
            sql = f"SELECT d.id FROM {src} WHERE {where}"
            p = list(params)
            if last is not None:
                sql += " AND d.id < %s"
                p.append(last[0])
            # Walking the primary key backwards tests the text condition row by row, which reads
            # (de-TOASTs) each row's tsvector: cheap when most documents match (a page is found
            # within a few dozen rows), 20-40 ms at 100k documents when 5% match. Then the GIN
            # bitmap of all matches + a top-N sort is cheaper; "+ 0" keeps the planner off the key.
            order = "d.id" if self._matches_most(conn, total) else "d.id + 0"
            sql += f" ORDER BY {order} DESC LIMIT %s"
            ids = [int(r[0]) for r in conn.execute(sql, [*p, limit + 1])]
            more = len(ids) > limit
            ids = ids[:limit]
            return [(i, 0.0) for i in ids], ([ids[-1]] if more else None)
        sql = f"SELECT d.id, d.sort_date FROM {src} WHERE {where}"
        p = list(params)
        if last is not None:
            sql += " AND (d.sort_date, d.id) < (%s, %s)"
            p += [last[0], last[1]]
        sql += " ORDER BY d.sort_date DESC, d.id DESC LIMIT %s"
        rows2 = [(int(a), str(b)) for a, b in conn.execute(sql, [*p, limit + 1])]
        more = len(rows2) > limit
        rows2 = rows2[:limit]
        return [(i, 0.0) for i, _ in rows2], ([rows2[-1][1], rows2[-1][0]] if more else None)

    def _few_rows(self, conn, gen: str, fsql: str, fparams: list[Any]) -> bool:
        """Whether the filter alone leaves at most ``SCAN_ROWS`` documents (counted on its btree
        indexes), so the query terms are tested on those rows' texts (the ``SCAN`` form).
        The planner takes the filter's index either way, then tests ``tsv`` row by row: it does
        not price de-TOASTing, so the GIN index never narrows a city + year filter. Measured at
        43k documents, a city-year of 184 documents: count of a common character 57-72 ms with
        ``tsv``, 12-18 ms with ``strpos``."""
        if fsql == "TRUE":
            return False
        key = (gen, fsql, tuple(map(str, fparams)), "filter-rows")
        n = self._cache.get(key)
        if n is None:
            n = conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM documents d WHERE {fsql} LIMIT %s) s",
                             [*fparams, SCAN_ROWS + 1]).fetchone()[0]
            self._cache.put(key, n)
        return n <= SCAN_ROWS

    @staticmethod
    def _match_ids(conn, src: str, where: str, params: list[Any]):
        concat = conn.execute(f"SELECT string_agg(d.id::text, ',') FROM {src} WHERE {where}", params).fetchone()[0]
        return parse_ids(concat)

    def _page_of(self, conn, q: Query, matches, mode: str, last: list[Any] | None,
                 limit: int) -> tuple[list[tuple[int, float]], list[Any] | None]:
        """``_page`` over the known ids of all matches: the text condition is not evaluated again.
        With a city/year filter the plan is the filter's btree index + the text condition per row,
        which de-TOASTs each candidate's ~100 KB tsvector (~150 us): ~30 ms per statement for a
        city-year of 180 documents at any archive size, paid by the count and again by the page."""
        if mode == "id":
            return page_of_ids(matches, last, limit)
        return self._rank_page(conn, q, matches, last, limit)

    def _rank_page(self, conn, q: Query, matches, last: list[Any] | None,
                   limit: int) -> tuple[list[tuple[int, float]], list[Any] | None]:
        """One page of the documents ``matches`` (ids) by score, best first, after the cursor's ``last``."""
        score, sparams = self._score_sql(q)
        ids = "{" + ",".join(map(str, matches.tolist())) + "}"  # one text parameter: cheaper than a list
        sql = f"SELECT id, score FROM (SELECT d.id, {score} AS score FROM documents d WHERE d.id = ANY(%s::bigint[])) r"
        p = [*sparams, ids]
        if last is not None:
            sql += " WHERE score < %s OR (score = %s AND id < %s)"
            p += [last[0], last[0], last[1]]
        sql += " ORDER BY score DESC, id DESC LIMIT %s"
        rows = [(int(a), float(b)) for a, b in conn.execute(sql, [*p, limit + 1])]
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, ([rows[-1][1], rows[-1][0]] if more else None)

    @staticmethod
    def _matches_most(conn, total: int) -> bool:
        """Whether ``total`` matches are over a quarter of the archive (by the planner's row
        estimate: this only chooses a plan)."""
        est = conn.execute("SELECT reltuples FROM pg_class WHERE oid = 'documents'::regclass").fetchone()[0]
        return total * 4 > est

    def _facets(self, conn, src: str, where: str, params: list[Any]) -> tuple[dict[str, list[FacetValue]], Any]:
        """Exact counts of every facet over all matches, and the matches' ids. The matches'
        ids come back in one string; their facet values are counted in memory from the archive's
        facet map (:mod:`gongbao.store.facetmap`, rebuilt once per write generation). Counting in
        SQL joined every match back to its row and to ``doc_issuers`` and grouped five times.
        One snapshot (repeatable read) for the ids and the map's generation keeps them consistent."""
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            concat = conn.execute(
                f"SELECT string_agg(d.id::text, ',') FROM {src} WHERE {where}", params
            ).fetchone()[0]
            ids = parse_ids(concat)
            fmap = self._fmap
            gen = self._generation(conn)
            if fmap is None or fmap.generation != gen:
                fmap = self._fmap = load_facet_map(conn, gen)
        return fmap.count(ids, FACET_VALUES), ids

    def _hits(self, conn, rows: list[tuple[int, float]], q: Query, snippets: bool) -> list[Hit]:
        if not rows:
            return []
        ids = [r[0] for r in rows]
        scores = dict(rows)
        needles = q.highlight_strings()
        data = {
            r[0]: r
            for r in conn.execute(
                "SELECT d.id, d.title, d.doc_number, d.city, d.year, d.signed_date, d.section, d.doc_type,"
                " d.issuer, d.issue_id, i.issue, i.name, d.body FROM documents d JOIN issues i ON i.id = d.issue_id"
                " WHERE d.id = ANY(%s)",
                (ids,),
            )
        }
        hits = []
        for doc_id in ids:
            r = data.get(doc_id)
            if r is None:
                continue
            snippet, spans = make_snippet(doc_text(json.loads(r[12])), needles) if snippets else ("", [])
            hits.append(
                Hit(
                    id=r[0], title=r[1], doc_number=r[2], city=r[3], year=r[4], signed_date=r[5], section=r[6],
                    doc_type=r[7], issuer=json.loads(r[8]) if r[8] else None, issue_id=r[9], issue=r[10],
                    gazette=r[11], snippet=snippet, highlights=spans, title_highlights=find_spans(r[1], needles),
                    score=scores.get(doc_id, 0.0),
                )
            )
        return hits

    def iter_matches(self, query: str, filters: SearchFilters | None = None) -> Iterator[DocRef]:
        """Every match in id order (exports), read through one server-side cursor, EXPORT_PAGE ids
        at a time, in one snapshot."""
        q = parse_query(query)  # raises QueryError now, before anything is streamed
        f = clean_filters(filters)
        form = search_source(q, f, False)
        where, params = where_sql(q, f, form)
        return self._iter_matches(SOURCES[form], where, params)

    def _iter_matches(self, src: str, where: str, params: list[Any]) -> Iterator[DocRef]:
        conn = self._connect()
        try:
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                # One server-side cursor: the match is evaluated once, then read 500 ids at a time
                # (paging by "id > last" ran the whole query again for every page).
                with conn.cursor(name="gongbao_matches") as cur:
                    cur.execute(f"SELECT d.id FROM {src} WHERE {where} ORDER BY d.id", params)
                    while ids := [r[0] for r in cur.fetchmany(EXPORT_PAGE)]:
                        yield from self._refs(conn, ids)
        finally:
            with self._all_lock:
                if conn in self._all:
                    self._all.remove(conn)
            conn.close()

    # -- reading -------------------------------------------------------------------------------
    _ref = staticmethod(common.doc_ref)

    def _refs(self, conn, ids: list[int]) -> list[DocRef]:
        if not ids:
            return []
        by_id = {r[0]: self._ref(r) for r in conn.execute(f"{common.REF_SQL} WHERE d.id = ANY(%s)", (ids,))}
        return [by_id[i] for i in ids if i in by_id]

    def get_document(self, doc_id: int) -> DocumentRecord | None:
        if not common.fits_int64(doc_id):
            return None
        conn = self._conn
        r = conn.execute(
            "SELECT d.id, d.issue_id, d.seq, d.data, d.body, i.gazette, i.source_name, d.doc_number, d.city"
            " FROM documents d JOIN issues i ON i.id = d.issue_id WHERE d.id = %s",
            (doc_id,),
        ).fetchone()
        if r is None:
            return None
        data = json.loads(r[3])
        citations = []
        for dn, title, raw, line, kind, tid, ttitle in conn.execute(
            "SELECT c.doc_number, c.title, c.raw, c.line, c.kind, t.id, t.title FROM citations c"
            " LEFT JOIN LATERAL (SELECT id, title FROM documents x WHERE x.doc_number = c.doc_number"
            "   AND x.id <> c.doc_id ORDER BY (x.city IS NOT DISTINCT FROM %s) DESC, x.id LIMIT 1) t ON TRUE"
            " WHERE c.doc_id = %s ORDER BY c.seq",
            (r[8], doc_id),
        ):
            citations.append(CitationLink(dn, title, raw, line, kind, tid, ttitle))
        cited_by = common.cited_by(conn, "%s", r[7], doc_id, lambda ids: self._refs(conn, ids))
        return document_record(r, data, citations, cited_by)

    def find_by_doc_number(self, doc_number: str) -> list[DocRef]:
        return common.find_by_doc_number(self._conn, "%s", doc_number)

    def list_issues(self, city: str | None = None, year: int | None = None) -> list[IssueSummary]:
        return common.list_issues(self._conn, "%s", city, year)

    def get_issue(self, issue_id: int) -> IssueRecord | None:
        return common.get_issue(self._conn, "%s", issue_id)

    def source_lines(self, issue_id: int, start: int, end: int) -> list[str]:
        r = self._conn.execute("SELECT source_text FROM issues WHERE id = %s", (int(issue_id),)).fetchone()
        if r is None or r[0] is None:
            return []
        start = max(1, int(start))
        return r[0].split("\n")[start - 1:max(start - 1, int(end))]

    def issue_source(self, issue_id: int) -> tuple[str, str] | None:
        return common.issue_source(self._conn, "%s", issue_id)

    def stale_issues(self, parser_version: str) -> list[int]:
        return common.stale_issues(self._conn, "%s", parser_version)

    def stats(self) -> StoreStats:
        c = self._conn
        issues = c.execute("SELECT count(*) FROM issues").fetchone()[0]
        docs = c.execute("SELECT count(*) FROM documents").fetchone()[0]
        cits = c.execute("SELECT count(*) FROM citations").fetchone()[0]
        resolved = c.execute(
            "SELECT count(*) FROM citations c WHERE c.doc_number IS NOT NULL"
            " AND EXISTS (SELECT 1 FROM documents d WHERE d.doc_number = c.doc_number AND d.id <> c.doc_id)"
        ).fetchone()[0]
        from gongbao.parse import PARSER_VERSION

        stale = c.execute("SELECT count(*) FROM issues WHERE parser_version != %s", (PARSER_VERSION,)).fetchone()[0]
        return StoreStats(issues, docs, cits, resolved, self.schema_version(), self.backend, self.location, stale)

    def is_empty(self) -> bool:
        return self._conn.execute("SELECT NOT EXISTS (SELECT 1 FROM issues)").fetchone()[0]
