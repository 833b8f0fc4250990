"""``gongbao backup`` / ``Store.backup``: a consistent copy of a live archive, on both backends."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import threading
from pathlib import Path

import psycopg
import pytest

from gongbao.ingest import ingest_paths
from gongbao.parse import parse_issue
from gongbao.store import StoreError, open_store
from gongbao.store.pgcluster import find_bindir

from .test_ingest import SAMPLES, gongbao

QUERIES = ("外资", "朔政办发[2020]36号", "市", "实施方案 -阳泉", '"人民政府"')


def _same_archive(a, b) -> None:
    sa, sb = a.stats(), b.stats()
    assert (sb.issues, sb.documents, sb.citations) == (sa.issues, sa.documents, sa.citations)
    for q in QUERIES:
        ra, rb = a.search(q, limit=50), b.search(q, limit=50)
        assert (rb.total, [h.id for h in rb.hits], rb.facets) == (ra.total, [h.id for h in ra.hits], ra.facets), q


def test_sqlite_backup_is_an_archive_and_refuses_bad_targets(tmp_path):
    db = tmp_path / "a.db"
    with open_store(str(db)) as s:
        ingest_paths(s, [SAMPLES], workers=1)
        seen: list[tuple[int, int]] = []
        size = s.backup(str(tmp_path / "copy.db"), progress=lambda done, total: seen.append((done, total)))
        assert size == (tmp_path / "copy.db").stat().st_size > 0
        assert seen and seen[-1][0] == seen[-1][1] == size
        with open_store(str(tmp_path / "copy.db"), create=False) as c:
            _same_archive(s, c)
            doc = s.resolve("朔政办发〔2020〕36号")
            assert c.get_document(doc.id) == doc
        before = (tmp_path / "copy.db").read_bytes()
        fifo = tmp_path / "fifo"
        os.mkfifo(fifo)
        bad = {
            str(tmp_path / "copy.db"): "exists",
            str(db): "is the archive itself",
            str(db) + "-wal": "is the archive itself",
            str(tmp_path): "is a directory",
            str(tmp_path / "no" / "x.db"): "no such folder",
            str(fifo): "not a regular file",
        }
        for dest, message in bad.items():
            with pytest.raises(StoreError, match=message):
                s.backup(dest, overwrite=dest != str(tmp_path / "copy.db"))
        assert (tmp_path / "copy.db").read_bytes() == before and fifo.is_fifo()
        assert sorted(p.name for p in tmp_path.iterdir() if "partial" in p.name) == []
        s.backup(str(tmp_path / "copy.db"), overwrite=True)  # replacing is allowed when asked


def test_a_backup_taken_during_an_ingest_holds_only_whole_issues(tmp_path):
    import synth

    corpus = tmp_path / "corpus"
    paths, _ = synth.write_corpus(corpus, 400, seed=13)
    copies: list[Path] = []
    with open_store(str(tmp_path / "live.db")) as s:
        def ingest() -> None:
            ingest_paths(s, [corpus], workers=1)

        writer = threading.Thread(target=ingest)
        writer.start()
        try:
            while writer.is_alive() and len(copies) < 3:
                if s.stats().issues >= 2 + 6 * len(copies):
                    copies.append(tmp_path / f"copy{len(copies)}.db")
                    s.backup(str(copies[-1]))
                writer.join(0.05)
        finally:
            writer.join()
        assert copies, "the ingest ended before a backup could be taken; make the corpus larger"
        total = s.stats().issues
    held = []
    for copy in copies:
        with sqlite3.connect(copy) as c:
            assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            c.execute("INSERT INTO docs_fts(docs_fts) VALUES ('integrity-check')")
            per_issue = dict(c.execute(
                "SELECT i.source_name, count(d.id) FROM issues i JOIN documents d ON d.issue_id = i.id GROUP BY i.id"))
        assert 0 < len(per_issue) <= total
        held.append(len(per_issue))
        for name, n in per_issue.items():
            assert n == len(parse_issue(Path(name).read_text(encoding="utf-8")).documents), name
        with open_store(str(copy), create=False) as c:
            assert c.search("").total == c.stats().documents == sum(per_issue.values())
    assert min(held) < total, "no backup was taken mid-ingest"


def test_backup_command(tmp_path):
    db = str(tmp_path / "a.db")
    assert gongbao("ingest", str(SAMPLES), "--db", db, "-q").returncode == 0
    r = gongbao("backup", str(tmp_path / "b.db"), "--db", db)
    assert r.returncode == 0 and "checked" in r.stderr, r.stderr
    assert json.loads(gongbao("search", "外资", "--json", "--db", str(tmp_path / "b.db")).stdout)["total"] == \
        json.loads(gongbao("search", "外资", "--json", "--db", db).stdout)["total"] > 0
    r = gongbao("backup", str(tmp_path / "b.db"), "--db", db)
    assert r.returncode == 2 and "--force" in r.stderr and "Traceback" not in r.stderr
    assert gongbao("backup", str(tmp_path / "b.db"), "--db", db, "--force").returncode == 0
    r = gongbao("backup", str(tmp_path / "c.db"), "--db", str(tmp_path / "none.db"))
    assert r.returncode == 2 and "none.db" in r.stderr and not (tmp_path / "c.db").exists()


@pytest.mark.postgres
def test_postgres_backup_restores_to_the_same_archive(tmp_path, new_pg_db, pg_cluster):
    url = new_pg_db()
    dump = tmp_path / "pg.dump"
    with open_store(url) as s:
        ingest_paths(s, [SAMPLES], workers=1)
        r = gongbao("backup", str(dump), "--db", url)
        assert r.returncode == 0, r.stderr
        assert dump.stat().st_size > 0
        with psycopg.connect(pg_cluster.url(), autocommit=True) as conn:
            conn.execute('CREATE DATABASE "restored"')
        bindir = find_bindir()
        restore = subprocess.run([str(bindir / "pg_restore"), "--no-owner", "--dbname", pg_cluster.url("restored"),
                                  str(dump)], capture_output=True, text=True)
        assert restore.returncode == 0, restore.stderr
        with open_store(pg_cluster.url("restored"), create=False) as c:
            _same_archive(s, c)
        with pytest.raises(StoreError, match="exists"):
            s.backup(str(dump))
