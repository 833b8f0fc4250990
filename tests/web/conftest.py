"""Fixtures for the web tests: a real SQLite archive built from the bundled samples plus one crafted
gazette, served by a real uvicorn process on a free loopback port, and a real headless chromium.

The crafted gazette (a fictional city, made up here) carries hostile text -- ``<script>``, quotes,
``&`` -- and cites the 文号 of a document picked from the archive at run time, so the citation link,
cited-by list and escaping can be checked without hard-coding anything about the samples.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .webutil import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CRAFTED_DOC_NUMBER,
    SAMPLES,
    SCREENSHOTS,
    Archive,
    Server,
    copy_archive,
    crafted_gazette,
    start_server,
    stop_server,
)


@pytest.fixture(scope="session")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    """The samples plus the crafted gazette, ingested with gongbao's own ingest."""
    from gongbao.ingest import ingest_paths
    from gongbao.store import open_store

    work = tmp_path_factory.mktemp("web")
    db = work / "archive.db"
    with open_store(db) as store:
        summary = ingest_paths(store, [SAMPLES], workers=1)
        assert summary.failed == 0, summary.to_dict()
        # A stored document with a 文号 for the crafted gazette to cite: the first one listed.
        cited = next(h for h in store.search("", limit=50, facets=False).hits if h.doc_number)
        crafted = work / "crafted.txt"
        crafted.write_text(crafted_gazette(cited.doc_number), encoding="utf-8")
        summary = ingest_paths(store, [crafted], workers=1)
        assert summary.failed == 0, summary.to_dict()
        refs = store.find_by_doc_number(CRAFTED_DOC_NUMBER)
        assert refs, "the crafted gazette's document was not stored"
        return Archive(db=db, crafted_id=refs[0].id, cited_id=cited.id, cited_doc_number=cited.doc_number,
                       workdir=work)


@pytest.fixture(scope="session")
def admin_token() -> str:
    return "tok-" + secrets.token_hex(12)


@pytest.fixture(scope="session")
def server(archive: Archive, admin_token: str) -> Iterator[Server]:
    """The main server, uploads enabled (the token), 1 MB upload limit to test 413 cheaply."""
    s = start_server(archive.db, admin_token, archive.workdir / "server.log", max_upload_mb=1)
    yield s
    stop_server(s)


@pytest.fixture(scope="session")
def server_no_token(archive: Archive) -> Iterator[Server]:
    """Same archive, no admin token configured: uploads disabled."""
    s = start_server(archive.db, None, archive.workdir / "server-no-token.log")
    yield s
    stop_server(s)


@pytest.fixture(scope="session")
def scratch_server(archive: Archive, admin_token: str) -> Iterator[Server]:
    """A copy of the archive for tests that write (uploads, fuzzing with the token)."""
    db = copy_archive(archive.db, archive.workdir / "scratch.db")
    s = start_server(db, admin_token, archive.workdir / "scratch.log", max_upload_mb=1)
    yield s
    stop_server(s)


@pytest.fixture(scope="session")
def api(server: Server) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
