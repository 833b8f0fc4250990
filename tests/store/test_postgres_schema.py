"""PostgreSQL schema v2 (character and quad lexemes): exact recall for documents with and without
quads (longer than QUAD_MAX_CHARS), and a v1 archive migrating in place without losing anything;
v3 (lz4 for the TOASTed columns): a v2 archive migrates, old rows stay readable, new rows use lz4;
v4 (the text columns in the narrow table ``doc_search``): a v3 archive migrates in place.

Older archives are made from a current one by ``_as_v3`` (the v3 layout restored), then changed
further back where a test needs it."""

from __future__ import annotations

import random

import pytest

from gongbao.parse import parse_issue
from gongbao.store import open_store
from gongbao.store.common import content_hash
from gongbao.store.postgres import LZ4_COLUMNS, QUAD_MAX_CHARS, SCHEMA_VERSION, _tsvector, lz4_available
from gongbao.store.query import matches_folded, parse_query
from gongbao.store.tokenize import bigram_tokens, fold

from .storeutil import random_substring

pytestmark = pytest.mark.postgres


def _load(store, sample_paths, long_doc: bool = False) -> None:
    rng = random.Random(7)
    for path in sample_paths:
        text = path.read_text(encoding="utf-8")
        issue = parse_issue(text)
        if long_doc:
            # one document longer than QUAD_MAX_CHARS: its own paragraphs repeated and shuffled
            doc = max(issue.documents, key=lambda d: sum(len(p.text) for p in d.body))
            paras = list(doc.body)
            while sum(len(p.text) for p in doc.body) <= QUAD_MAX_CHARS + 5000:
                doc.body.append(rng.choice(paras))
        store.store_issue(issue, content_hash=content_hash(text + str(long_doc)), source_name=path.name)


def _docs(store):
    out = []
    for ref in store.iter_matches(""):
        rec = store.get_document(ref.id)
        out.append((rec.id, fold(rec.title), fold(rec.text)))
    return out


def _queries(docs, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    qs = []
    while len(qs) < n:
        _, title, body = rng.choice(docs)
        q = random_substring(rng, title, body, [1, 2, 3, 3, 4, 4, 5, 7])
        if q is not None:
            qs.append(q)
    return qs


def _brute(docs, q: str) -> int:
    pq = parse_query(f'"{q}"')
    return sum(1 for _, title, body in docs if matches_folded(pq, title, body, []))


def test_recall_with_and_without_quads(new_pg_db, sample_paths):
    store = open_store(new_pg_db())
    try:
        _load(store, sample_paths, long_doc=True)
        docs = _docs(store)
        longest = max(docs, key=lambda d: len(d[1]) + len(d[2]))
        assert len(longest[1]) + len(longest[2]) > QUAD_MAX_CHARS
        no_quads = store._conn.execute("SELECT count(*) FROM doc_search WHERE NOT quads").fetchone()[0]
        assert no_quads >= 1
        # queries drawn from the long documents (reached through the NO_QUADS marker) and from all
        long_docs = [d for d in docs if len(d[1]) + len(d[2]) > QUAD_MAX_CHARS]
        queries = _queries(long_docs, 80, 1) + _queries(docs, 80, 2)
        bad = [(q, got, want) for q in queries
               if (got := store.search(f'"{q}"', limit=1, facets=False, snippets=False).total)
               != (want := _brute(docs, q))]
        assert not bad, bad[:10]
    finally:
        store.close()


def _as_v3(conn, pglz: bool = False) -> None:
    """Give a current archive the v3 layout: the text columns and their tsvector (without the
    filter lexemes, the odd-length ones) back in ``documents``, no ``doc_search``. ``pglz``: the
    TOASTed columns on pglz (v2)."""
    conn.execute("ALTER TABLE documents ADD COLUMN mbody TEXT, ADD COLUMN tsv TSVECTOR,"
                 " ADD COLUMN quads BOOLEAN NOT NULL DEFAULT FALSE")
    conn.execute("ALTER TABLE documents ALTER COLUMN mbody SET STORAGE EXTERNAL")
    method = "pglz" if pglz else "lz4"
    for table, cols in (("documents", ("rtsv", "data", "body", "tsv", "mbody")), ("issues", LZ4_COLUMNS["issues"])):
        conn.execute(f"ALTER TABLE {table} " + ", ".join(f"ALTER COLUMN {c} SET COMPRESSION {method}" for c in cols))
    conn.execute("UPDATE documents d SET mbody = split_part(s.mtext, chr(1), 2), quads = s.quads,"
                 " tsv = (SELECT array_to_tsvector(coalesce(array_agg(u.lexeme), '{}')) FROM unnest(s.tsv) u"
                 "        WHERE length(u.lexeme) % 2 = 0)"
                 " FROM doc_search s WHERE s.id = d.id")
    if pglz:  # rows written with it
        conn.execute("UPDATE documents SET body = body || ''")
    conn.execute("ALTER TABLE documents ALTER COLUMN mbody SET NOT NULL,"
                 " ALTER COLUMN tsv SET NOT NULL")
    conn.execute("DROP TABLE doc_search")
    conn.execute("CREATE INDEX documents_tsv ON documents USING GIN (tsv)")
    conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")


def _columns(conn, table: str) -> set[str]:
    return {r[0] for r in conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped", (table,)
    )}


def test_v3_archive_moves_its_text_columns_to_doc_search(new_pg_db, sample_paths):
    url = new_pg_db()
    store = open_store(url)
    _load(store, sample_paths, long_doc=True)
    docs = _docs(store)
    queries = _queries(docs, 40, 5) + ["的", "人民政府"]
    want = {q: _brute(docs, q) for q in queries}
    before = {d[0]: store.get_document(d[0]) for d in docs}
    facets = {q: store.search(q, limit=3).facets for q in queries[:8]}
    flags = dict(store._conn.execute("SELECT id, quads FROM doc_search").fetchall())
    tsvs = dict(store._conn.execute("SELECT id, tsv::text FROM doc_search").fetchall())
    assert all("fyx" in t for t in tsvs.values())  # filter lexemes, as the writer makes them
    assert not all(flags.values())  # the long document has no quads
    _as_v3(store._conn)
    assert store._conn.execute("SELECT to_regclass('doc_search')").fetchone()[0] is None
    store.close()

    migrated = open_store(url)
    try:
        conn = migrated._conn
        assert migrated.schema_version() == SCHEMA_VERSION == 4
        assert not {"tsv", "quads", "mbody"} & _columns(conn, "documents")
        assert {"tsv", "quads", "mtext"} <= _columns(conn, "doc_search")
        assert "mtitle" in _columns(conn, "documents")  # for ranking
        assert dict(conn.execute("SELECT id, quads FROM doc_search").fetchall()) == flags
        assert dict(conn.execute("SELECT id, tsv::text FROM doc_search").fetchall()) == tsvs  # lexemes made in SQL
        assert {d[0]: migrated.get_document(d[0]) for d in docs} == before
        assert {q: migrated.search(f'"{q}"', limit=1, facets=False).total for q in queries} == want
        assert {q: migrated.search(q, limit=3).facets for q in queries[:8]} == facets
        # writes go to both tables; deleting an issue removes its doc_search rows (cascade)
        _load(migrated, sample_paths[:1])
        n = migrated.stats().documents
        assert conn.execute("SELECT count(*) FROM doc_search").fetchone()[0] == n
        migrated.delete_issue(migrated.list_issues()[0].id)
        assert conn.execute("SELECT count(*) FROM doc_search").fetchone()[0] == migrated.stats().documents < n
    finally:
        migrated.close()


def test_v1_archive_migrates_in_place(new_pg_db, sample_paths):
    url = new_pg_db()
    store = open_store(url)
    _load(store, sample_paths)
    docs = _docs(store)
    queries = _queries(docs, 40, 3) + ["的", "人民政府"]
    want = {q: _brute(docs, q) for q in queries}
    assert all(store.search(f'"{q}"', limit=1, facets=False).total == n for q, n in want.items())
    n_docs = store.stats().documents
    # turn it into a v1 archive: position-free bigram tsvectors, no quads column
    conn = store._conn
    _as_v3(conn)
    rows = conn.execute("SELECT id, mtitle, mbody FROM documents").fetchall()
    conn.execute("ALTER TABLE documents DROP COLUMN quads")
    for doc_id, mtitle, mbody in rows:
        conn.execute("UPDATE documents SET tsv = %s::tsvector WHERE id = %s",
                     (_tsvector(bigram_tokens(mtitle) + bigram_tokens(mbody)), doc_id))
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    store.close()

    migrated = open_store(url)
    try:
        assert migrated.schema_version() == SCHEMA_VERSION == 4
        assert migrated.stats().documents == n_docs
        got = {q: migrated.search(f'"{q}"', limit=1, facets=False).total for q in queries}
        assert got == want
        assert migrated._conn.execute("SELECT bool_and(quads) FROM doc_search").fetchone()[0] is True
    finally:
        migrated.close()


def _compression(conn) -> dict[str, str]:
    rows = conn.execute(
        "SELECT c.relname || '.' || a.attname, a.attcompression FROM pg_attribute a"
        " JOIN pg_class c ON c.oid = a.attrelid WHERE c.relname = ANY(%s) AND a.attnum > 0",
        (list(LZ4_COLUMNS),),
    ).fetchall()
    return {k: v for k, v in rows if k.split(".")[1] in LZ4_COLUMNS[k.split(".")[0]]}


def test_v2_archive_migrates_to_lz4(new_pg_db, sample_paths):
    url = new_pg_db()
    store = open_store(url)
    if not lz4_available(store._conn):
        store.close()
        pytest.skip("this PostgreSQL server has no lz4")
    assert set(_compression(store._conn).values()) == {"l"}
    # a v2 archive: the columns on the default (pglz), rows written with it
    conn = store._conn
    _load(store, sample_paths[:2])
    _as_v3(conn, pglz=True)
    for col in ("tsv", "body"):
        assert {r[0] for r in conn.execute(f"SELECT pg_column_compression({col}) FROM documents")} == {"pglz"}
    conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    docs = _docs(store)
    queries = _queries(docs, 30, 4)
    store.close()

    migrated = open_store(url)
    try:
        assert migrated.schema_version() == 4
        assert set(_compression(migrated._conn).values()) == {"l"}
        assert {q: migrated.search(f'"{q}"', limit=1, facets=False).total for q in queries} == {
            q: _brute(docs, q) for q in queries
        }
        _load(migrated, sample_paths[2:])  # new rows: lz4, old rows keep pglz and still read back
        kinds = dict(migrated._conn.execute(
            "SELECT pg_column_compression(d.body), count(*) FROM documents d GROUP BY 1"
        ).fetchall())
        assert set(kinds) - {None} == {"pglz", "lz4"}, kinds  # None: too small to compress
        # v4 wrote every tsv anew (with the filter lexemes): lz4
        assert {r[0] for r in migrated._conn.execute("SELECT pg_column_compression(tsv) FROM doc_search")} == {"lz4"}
        all_docs = _docs(migrated)
        assert len(all_docs) == migrated.stats().documents
        assert {d[0]: d for d in docs}.items() <= {d[0]: d for d in all_docs}.items()
    finally:
        migrated.close()
