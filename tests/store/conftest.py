"""Store fixtures: every store test runs on a real SQLite file and on a real PostgreSQL server.

PostgreSQL: one throwaway cluster per test session (initdb + pg_ctl in a temporary directory,
unix socket only; as root the server runs as the ``postgres`` user). Each test gets a fresh database
cloned from a migrated template. Tests skip with a clear reason only when the server binaries are
missing (``GONGBAO_PG_BIN`` points elsewhere if they are not in /usr/lib/postgresql/*/bin).
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gongbao.store import Store, open_store
from gongbao.store.pgcluster import ClusterUnavailable, TempCluster

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "src" / "gongbao" / "data" / "samples"
sys.path.insert(0, str(ROOT / "benchmarks"))

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[TempCluster | None]:
    try:
        cluster = TempCluster().start()
    except ClusterUnavailable as exc:
        yield None
        _ = exc
        return
    try:
        import psycopg

        url = cluster.create_database("gongbao_template")
        open_store(url).close()  # migrate once; tests clone it
        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            conn.execute("ALTER DATABASE gongbao_template WITH is_template = true")
        yield cluster
    finally:
        cluster.stop()


def _skip_no_pg() -> None:
    pytest.skip(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install postgresql-15 "
        "(apt-get install postgresql) or set GONGBAO_PG_BIN to their directory"
    )


def new_pg_url(cluster: TempCluster) -> str:
    import psycopg

    name = f"t{os.getpid()}_{next(_counter)}"
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE gongbao_template')
    return cluster.url(name)


@pytest.fixture(scope="session")
def new_pg_db(pg_cluster: TempCluster | None):
    """A function giving the URL of a fresh migrated PostgreSQL database (skips without PostgreSQL)."""

    def make() -> str:
        if pg_cluster is None:
            _skip_no_pg()
        return new_pg_url(pg_cluster)

    return make


@pytest.fixture
def store_url(request, tmp_path: Path, pg_cluster: TempCluster | None) -> str:
    """A fresh, empty archive location for the backend in ``request.param``."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        return str(tmp_path / "archive.db")
    if pg_cluster is None:
        _skip_no_pg()
    return new_pg_url(pg_cluster)


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path: Path, pg_cluster: TempCluster | None) -> Iterator[Store]:
    """A fresh, empty archive on each backend."""
    if request.param == "sqlite":
        s = open_store(str(tmp_path / "archive.db"))
    else:
        if pg_cluster is None:
            _skip_no_pg()
        s = open_store(new_pg_url(pg_cluster))
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(scope="session")
def sample_paths() -> list[Path]:
    return sorted(SAMPLES.glob("*.txt"))


@pytest.fixture
def archive(request, tmp_path: Path, new_pg_db) -> str:
    """The bundled samples ingested by ``gongbao ingest`` on the backend in ``request.param``
    ("sqlite" or "postgres"): the archive's --db value."""
    import subprocess

    db = str(tmp_path / "a.db") if request.param == "sqlite" else new_pg_db()
    samples = Path(__file__).resolve().parents[2] / "src" / "gongbao" / "data" / "samples"
    r = subprocess.run([sys.executable, "-m", "gongbao", "ingest", str(samples), "--db", db, "-q"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return db
