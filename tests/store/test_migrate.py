"""SQLite schema upgrades: an archive written by the v1 schema (plain-text blobs, bigram index with
a prefix index) opens in the current gongbao, is migrated in place without losing anything, and
answers exactly as an archive built by the current schema."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest

from gongbao.ingest import ingest_paths
from gongbao.store import StoreError, open_store
from gongbao.store.common import decompress_text, doc_text
from gongbao.store.sqlite import MIGRATIONS, SCHEMA_VERSION, SQLiteStore, _split_sql
from gongbao.store.tokenize import bigram_tokens, fold

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "src" / "gongbao" / "data" / "samples"

_COPY = {
    "issues": "id, content_hash, ident, name, city, year, issue, total_issue, published, source_name, ingested_at,"
    " gazette, toc, warnings, line_count, parser_version, unz(source_text)",
    "documents": "*",
    "doc_content": "id, refs, unz(data), unz(body)",
    "doc_issuers": "*",
    "citations": "*",
    "personnel": "*",
}


def write_v1_copy(current: Path, old: Path) -> None:
    """The archive at ``current`` as the v1 schema stored it: the v1 script, texts uncompressed,
    the index as v1 wrote it (title, body and refs bigrams only; one-character queries served by
    ``prefix='4'``)."""
    c = sqlite3.connect(old, isolation_level=None)
    for stmt in _split_sql(MIGRATIONS[1]):
        c.execute(stmt)
    c.execute("INSERT INTO meta(key, value) VALUES ('schema_version', '1'), ('generation', '7')")
    c.create_function("unz", 1, decompress_text)
    c.execute("ATTACH ? AS cur", (str(current),))
    c.execute("BEGIN")
    for table, cols in _COPY.items():
        c.execute(f"INSERT INTO {table} SELECT {cols} FROM cur.{table}")
    for doc_id, title, body, refs in c.execute(
        "SELECT d.id, d.title, c.body, c.refs FROM documents d JOIN doc_content c ON c.id = d.id"
    ).fetchall():
        c.execute(
            "INSERT INTO docs_fts(rowid, title, body, refs) VALUES (?,?,?,?)",
            (doc_id, " ".join(bigram_tokens(fold(title))), " ".join(bigram_tokens(fold(doc_text(json.loads(body))))),
             " ".join(t for r in json.loads(refs) for t in bigram_tokens(fold(r)))),
        )
    c.execute("COMMIT")
    c.execute("DETACH cur")
    c.close()


def _size(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    d = tmp_path_factory.mktemp("migrate")
    cur = d / "current.db"
    with open_store(str(cur)) as s:
        assert ingest_paths(s, [SAMPLES], workers=1).failed == 0
    old = d / "old.db"
    write_v1_copy(cur, old)
    assert sqlite3.connect(old).execute("SELECT typeof(body) FROM doc_content LIMIT 1").fetchone()[0] == "text"
    size_v1 = _size(old)
    migrated = SQLiteStore(old)
    fresh = SQLiteStore(cur)
    yield fresh, migrated, size_v1, old
    migrated.close()
    fresh.close()


def test_v1_archive_is_migrated_and_smaller(archives):
    fresh, migrated, size_v1, old = archives
    assert SCHEMA_VERSION >= 2
    assert migrated.schema_version() == SCHEMA_VERSION
    c = sqlite3.connect(old)
    assert {r[0] for r in c.execute("SELECT typeof(body) FROM doc_content")} == {"blob"}
    assert {r[0] for r in c.execute("SELECT typeof(source_text) FROM issues")} == {"blob"}
    c.execute("INSERT INTO docs_fts(docs_fts) VALUES ('integrity-check')")
    c.close()
    assert _size(old) < size_v1 * 0.6  # compressed texts, no prefix index, space given back


def test_migrated_archive_answers_like_a_new_one(archives):
    fresh, migrated, _, _ = archives
    assert migrated.stats().documents == fresh.stats().documents > 0
    rng = random.Random(3)
    texts = [fold(fresh.get_document(r.id).text) for r in fresh.iter_matches("")]
    queries = ["", "通知", "-通知", "政府 -会议", "朔政发", "人民政府 OR 办公室"]
    for _ in range(40):
        t = rng.choice(texts)
        n = rng.choice([1, 1, 2, 3])
        i = rng.randrange(max(1, len(t) - n))
        q = t[i:i + n]
        if q.strip('"“”-| ') == q and q not in ("OR",):
            queries.append(q)
    for q in queries:
        a, b = fresh.search(q, limit=50), migrated.search(q, limit=50)
        assert (a.total, [h.id for h in a.hits], a.facets) == (b.total, [h.id for h in b.hits], b.facets), q
    for ref in fresh.iter_matches(""):
        a, b = fresh.get_document(ref.id), migrated.get_document(ref.id)
        assert a.to_dict() == b.to_dict()
    for s in fresh.list_issues():
        assert fresh.source_lines(s.id, 1, 10**6) == migrated.source_lines(s.id, 1, 10**6)


def test_migrated_archive_accepts_deletes_and_writes(archives, tmp_path):
    _, migrated, _, old = archives
    issue_id = migrated.list_issues()[0].id
    assert migrated.delete_issue(issue_id)
    c = sqlite3.connect(old)
    c.execute("INSERT INTO docs_fts(docs_fts) VALUES ('integrity-check')")  # deleted with the right tokens
    c.close()
    with SQLiteStore(tmp_path / "again.db") as again:
        assert again.schema_version() == SCHEMA_VERSION


def test_newer_schema_is_refused_with_a_message(tmp_path):
    p = tmp_path / "a.db"
    SQLiteStore(p).close()
    c = sqlite3.connect(p)
    c.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    c.commit()
    c.close()
    with pytest.raises(StoreError, match="newer than this gongbao"):
        SQLiteStore(p)
