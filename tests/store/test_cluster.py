"""``gongbao ingest --scheduler``: parsing on a real dask.distributed cluster (a scheduler and
worker processes on loopback), storing here."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from distributed import Client, LocalCluster

from gongbao.cluster import ClusterError, code_fingerprint
from gongbao.ingest import ingest_paths
from gongbao.store import open_store

from .test_ingest import SAMPLES, bad_files, gongbao  # noqa: F401 - bad_files is a fixture

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=50) as c:
        yield c


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    import synth

    d = tmp_path_factory.mktemp("cluster") / "corpus"
    synth.write_corpus(d, 120, seed=7)
    for p in SAMPLES.glob("*.txt"):
        shutil.copy(p, d / p.name)
    return d


def _contents(db: Path) -> set[tuple]:
    """Every stored document as the parser and preparation made it, independent of row ids."""
    def text(v):
        return zlib.decompress(v).decode() if isinstance(v, bytes) else v

    with sqlite3.connect(db) as c:
        rows = c.execute(
            "SELECT i.content_hash, i.ident, i.toc, d.seq, d.title, d.doc_number, d.issuer, d.signed_date,"
            " d.section, d.doc_type, c.refs, c.data, c.body"
            " FROM documents d JOIN issues i ON i.id = d.issue_id JOIN doc_content c ON c.id = d.id"
        ).fetchall()
    return {(*r[:11], text(r[11]), text(r[12])) for r in rows}


def test_cluster_ingest_stores_what_a_local_ingest_stores(tmp_path, cluster, corpus):
    local, remote = tmp_path / "local.db", tmp_path / "remote.db"
    with open_store(str(local)) as a, open_store(str(remote)) as b:
        sa = ingest_paths(a, [corpus], workers=2)
        sb = ingest_paths(b, [corpus], scheduler=cluster.scheduler_address)
        assert (sb.added, sb.documents, sb.warnings, sb.failed) == (sa.added, sa.documents, sa.warnings, 0)
        assert sb.added == len(list(corpus.glob("*.txt"))) and sb.documents > 120
        for q in ("通知", "外资", "朔政办发〔2020〕36号", "市", "人民政府 -朔州", '"实施方案"'):
            assert b.search(q).total == a.search(q).total, q
        assert b.stats().citations == a.stats().citations
    assert _contents(remote) == _contents(local)
    with sqlite3.connect(remote) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        c.execute("INSERT INTO docs_fts(docs_fts) VALUES ('integrity-check')")


def test_cluster_ingest_cli_is_idempotent_and_reports_bad_files(tmp_path, cluster, bad_files):  # noqa: F811
    db = str(tmp_path / "cli.db")
    addr = cluster.scheduler_address
    r = gongbao("ingest", str(bad_files), "--db", db, "--scheduler", addr, "--json")
    assert r.returncode == 1, r.stderr  # some files failed
    out = json.loads(r.stdout)
    assert (out["added"], out["failed"]) == (3, 3)
    assert sorted(Path(f["path"]).name for f in out["failures"]) == ["binary.txt", "empty.txt", "prose.md"]
    assert all(Path(f["path"]).name in f["error"] for f in out["failures"])
    # the address may also come from the environment; nothing is shipped for stored texts
    r = gongbao("ingest", str(bad_files / "sub"), "--db", db, "--json", env={"GONGBAO_SCHEDULER": addr})
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["unchanged"] == 3
    r = gongbao("search", "外资", "--db", db, "--json")
    assert json.loads(r.stdout)["total"] > 0


def test_a_worker_killed_mid_batch_loses_no_file(tmp_path, cluster, corpus):
    addr = cluster.scheduler_address
    with Client(addr, set_as_default=False) as client:
        pids = client.run(os.getpid)
    victim = sorted(pids.values())[0]
    seen: list[str] = []

    def on_result(r) -> None:
        seen.append(r.status)
        if len(seen) == 5:
            os.kill(victim, signal.SIGKILL)  # its nanny starts a new worker; its tasks run elsewhere

    with open_store(str(tmp_path / "k.db")) as s:
        summary = ingest_paths(s, [corpus], scheduler=addr, on_result=on_result)
        n = len(list(corpus.glob("*.txt")))
        assert (summary.added, summary.failed) == (n, 0), summary.failures
        assert s.stats().issues == n
    with pytest.raises(ProcessLookupError):
        os.kill(victim, 0)  # the worker really died
    # the cluster recovers its second worker before the next test
    with Client(addr, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=60)


def test_bad_scheduler_addresses_are_clear_errors_and_keep_the_archive(tmp_path):
    db = str(tmp_path / "keep.db")
    assert gongbao("ingest", str(SAMPLES), "--db", db, "-q").returncode == 0
    with open_store(db) as s:
        before = s.stats().documents
    silent = socket.create_server(("127.0.0.1", 0))  # accepts connections, never speaks (not dask)
    try:
        port = silent.getsockname()[1]
        cases = {
            "tcp://127.0.0.1:9": "cannot reach the dask scheduler at tcp://127.0.0.1:9",
            "foo": "is not a dask scheduler address",
            "http://127.0.0.1:8786": "is not a dask scheduler address",
            "tcp://127.0.0.1:99999": "is not a dask scheduler address",
            f"tcp://127.0.0.1:{port}": "is not a dask scheduler (no handshake)",
        }
        for address, message in cases.items():
            start = time.monotonic()
            r = gongbao("ingest", str(SAMPLES), "--db", db, "--scheduler", address)
            assert r.returncode == 2, (address, r.stderr)
            assert message in r.stderr and "Traceback" not in r.stderr, (address, r.stderr)
            assert time.monotonic() - start < 30, address
    finally:
        silent.close()
    with open_store(db) as s:
        assert s.stats().documents == before
    r = gongbao("ingest", str(SAMPLES), "--db", db, "--scheduler", "tcp://127.0.0.1:9", "-j", "2")
    assert r.returncode == 2 and "exclude each other" in r.stderr


def test_a_worker_with_other_gongbao_code_is_refused(tmp_path):
    """A worker whose gongbao differs (here: one changed source file) would store other results;
    the ingest refuses the cluster before shipping anything."""
    other = tmp_path / "other"
    shutil.copytree(ROOT / "src" / "gongbao", other / "gongbao", ignore=shutil.ignore_patterns("__pycache__"))
    with open(other / "gongbao" / "parse.py", "a", encoding="utf-8") as f:
        f.write("\n# a different build\n")
    with LocalCluster(n_workers=0, processes=True, dashboard_address=":0", silence_logs=50) as c:
        env = {**os.environ, "PYTHONPATH": str(other)}
        worker = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", c.scheduler_address, "--nthreads", "1",
             "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            with Client(c.scheduler_address, set_as_default=False) as client:
                client.wait_for_workers(1, timeout=60)
                assert list(client.run(code_fingerprint).values()) != [code_fingerprint()]
            with open_store(str(tmp_path / "x.db")) as s:
                with pytest.raises(ClusterError, match="other gongbao code"):
                    ingest_paths(s, [SAMPLES], scheduler=c.scheduler_address)
                assert s.stats().issues == 0
        finally:
            worker.terminate()
            worker.wait(timeout=30)


def test_a_scheduler_without_workers_is_refused(tmp_path):
    with LocalCluster(n_workers=0, processes=True, dashboard_address=":0", silence_logs=50) as c:
        start = time.monotonic()
        r = gongbao("ingest", str(SAMPLES), "--db", str(tmp_path / "n.db"), "--scheduler", c.scheduler_address)
        assert r.returncode == 2 and "has no workers" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr
        assert time.monotonic() - start < 60


@pytest.mark.postgres
def test_cluster_ingest_into_postgresql(cluster, new_pg_db, tmp_path):
    """PostgreSQL keeps the texts uncompressed: the workers then ship them plain."""
    url = new_pg_db()
    with open_store(url) as pg, open_store(str(tmp_path / "ref.db")) as ref:
        s = ingest_paths(pg, [SAMPLES], scheduler=cluster.scheduler_address)
        r = ingest_paths(ref, [SAMPLES], workers=1)
        assert (s.added, s.documents, s.failed) == (3, r.documents, 0)
        for q in ("外资", "朔政办发[2020]36号", "市", "实施方案 -阳泉"):
            assert pg.search(q).total == ref.search(q).total > 0, q
        again = ingest_paths(pg, [SAMPLES], scheduler=cluster.scheduler_address)
        assert again.unchanged == 3 and pg.stats().documents == s.documents


def test_without_dask_the_scheduler_option_says_what_to_install(tmp_path):
    """gongbao's core install has no dask: --scheduler must say so, not crash."""
    blocker = tmp_path / "no-dask" / "distributed"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text('raise ImportError("No module named \'distributed\'")\n')
    r = gongbao("ingest", str(SAMPLES), "--db", str(tmp_path / "x.db"), "--scheduler", "tcp://127.0.0.1:8786",
                env={"PYTHONPATH": str(tmp_path / "no-dask")})
    assert r.returncode == 2, r.stderr
    assert "pip install 'gongbao[cluster]'" in r.stderr and "Traceback" not in r.stderr
