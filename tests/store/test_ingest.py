"""Ingest and the archive commands, run as real processes against real databases."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gongbao.ingest import ingest_paths
from gongbao.store import open_store

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "src" / "gongbao" / "data" / "samples"


def gongbao(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "gongbao", *args], capture_output=True, text=True,
                          timeout=timeout, env=full_env)


@pytest.fixture
def bad_files(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    for p in SAMPLES.glob("*.txt"):
        (d / "sub" / p.name).write_bytes(p.read_bytes())
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.txt").write_bytes(bytes(range(256)) * 10)
    (d / "prose.md").write_text("这只是一段普通的文字，没有任何公文。\n" * 5, encoding="utf-8")
    (d / "ignored.pdf").write_bytes(b"%PDF")
    return d


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_cli_ingest_reports_failures_and_is_idempotent(backend, bad_files, tmp_path, new_pg_db):
    db = str(tmp_path / "a.db") if backend == "sqlite" else new_pg_db()
    r = gongbao("ingest", str(bad_files), "--db", db, "--json")
    assert r.returncode == 1, r.stderr
    out = json.loads(r.stdout)
    assert (out["added"], out["failed"], out["unchanged"]) == (3, 3, 0)
    failed = {Path(f["path"]).name: f["error"] for f in out["failures"]}
    assert set(failed) == {"empty.txt", "binary.txt", "prose.md"}
    assert all(name in err for name, err in failed.items())  # errors name the file
    assert "Traceback" not in r.stderr

    again = json.loads(gongbao("ingest", str(bad_files / "sub"), "--db", db, "--json").stdout)
    assert (again["added"], again["unchanged"], again["failed"]) == (0, 3, 0)

    s = json.loads(gongbao("search", "朔政办发[2020]36号", "--db", db, "--json").stdout)
    assert s["total"] >= 1 and s["hits"][0]["doc_number"] == "朔政办发〔2020〕36号"
    assert set(s) >= {"total", "hits", "facets", "next_cursor"}
    assert set(s["hits"][0]) >= {"id", "title", "doc_number", "city", "signed_date", "snippet"}
    assert set(s["facets"]) == {"city", "year", "section", "doc_type", "issuer"}

    shown = gongbao("show", "朔政办发（2020）36号", "--db", db, "--json")
    assert shown.returncode == 0 and json.loads(shown.stdout)["doc_number"] == "朔政办发〔2020〕36号"
    assert gongbao("show", str(s["hits"][0]["id"]), "--db", db).returncode == 0


def test_cli_bad_input_exits_2_without_traceback(tmp_path):
    db = str(tmp_path / "a.db")
    assert gongbao("ingest", str(SAMPLES / "yangquan-2020-04.txt"), "--db", db, "-q").returncode == 0
    for args in (["search", "煤" * 10_000], ["search", "煤", "--cursor", "garbage"], ["search", "煤", "--from", "x"],
                 ["search", "煤", "--limit", "0"]):
        r = gongbao(*args, "--db", db)
        assert r.returncode == 2, (args, r.stderr)
        assert "Traceback" not in r.stderr and r.stderr.strip()
    for q in ['"', "NEAR(", "*", "'; DROP TABLE x; --", "-", "OR"]:
        r = gongbao("search", q, "--db", db, "--json")
        assert r.returncode == 0 and "total" in json.loads(r.stdout), q
    r = gongbao("search", "煤", "--db", str(tmp_path / "none.db"))
    assert r.returncode == 2 and "none.db" in r.stderr
    r = gongbao("show", "甲政发〔1999〕1号", "--db", db)
    assert r.returncode == 1 and "Traceback" not in r.stderr


def test_cli_uses_gongbao_db_env(tmp_path):
    env = {"GONGBAO_DB": str(tmp_path / "env.db")}
    assert gongbao("ingest", str(SAMPLES), "-q", env=env).returncode == 0
    assert (tmp_path / "env.db").exists()
    r = gongbao("search", "外资", "--json", env=env)
    assert json.loads(r.stdout)["total"] > 0


def test_parallel_and_serial_ingest_agree(tmp_path):
    import synth

    corpus = tmp_path / "c"
    synth.write_corpus(corpus, 60, seed=3)
    with open_store(str(tmp_path / "p.db")) as a, open_store(str(tmp_path / "s.db")) as b:
        sp = ingest_paths(a, [corpus], workers=2)
        ss = ingest_paths(b, [corpus], workers=1)
        assert (sp.added, sp.documents, sp.failed) == (ss.added, ss.documents, 0)
        assert a.search("通知").total == b.search("通知").total > 0


@pytest.mark.slow
def test_sigkill_mid_batch_leaves_a_consistent_archive(tmp_path):
    """Kill -9 an ingest of a large batch while it writes; the archive must be intact, hold only
    whole issues, and a re-run must complete the batch."""
    import synth

    corpus = tmp_path / "big"
    paths, _ = synth.write_corpus(corpus, 700, seed=11)
    db = tmp_path / "crash.db"
    proc = subprocess.Popen([sys.executable, "-m", "gongbao", "ingest", str(corpus), "--db", str(db), "-q", "-j", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        stored = 0
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            if db.exists():
                try:
                    with sqlite3.connect(db, timeout=1) as c:
                        stored = c.execute("SELECT count(*) FROM issues").fetchone()[0]
                except sqlite3.Error:
                    stored = 0
            if stored >= 3:
                break
        assert proc.poll() is None, "ingest finished before it could be killed; make the batch larger"
        assert stored >= 3
        os.killpg(proc.pid, signal.SIGKILL)  # the writer and its parser workers
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)

    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        c.execute("INSERT INTO docs_fts(docs_fts) VALUES ('integrity-check')")
        per_issue = dict(c.execute(
            "SELECT i.source_name, count(d.id) FROM issues i LEFT JOIN documents d ON d.issue_id = i.id GROUP BY i.id"
        ))
    assert 0 < len(per_issue) < len(paths), "the kill must land mid-batch"
    from gongbao.parse import parse_issue

    for name, n in per_issue.items():  # every stored issue is whole
        assert n == len(parse_issue(Path(name).read_text(encoding="utf-8")).documents), name

    r = gongbao("ingest", str(corpus), "--db", str(db), "--json", timeout=600)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["unchanged"] == len(per_issue) and out["added"] == len(paths) - len(per_issue)
    with open_store(str(db)) as s:
        assert s.stats().issues == len(paths)
        total = s.stats().documents
        assert s.search("").total == total
