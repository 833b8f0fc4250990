"""``gongbao reparse``: stored issues made by another parser version, parsed again from the text
the archive keeps; and the parser version that tells them apart."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from gongbao.parse import PARSER_VERSION
from gongbao.store import open_store

from .test_export import BACKENDS
from .test_ingest import SAMPLES, gongbao

ROOT = Path(__file__).resolve().parents[2]


def _sql(db: str, statement: str, params: tuple = ()) -> None:
    """Change stored rows directly, as an archive written by an older gongbao would hold them."""
    if "://" in db:
        with psycopg.connect(db, autocommit=True) as c:
            c.execute(statement.replace("?", "%s"), params)
    else:
        with sqlite3.connect(db) as c:
            c.execute(statement, params)


def _snapshot(db: str) -> tuple[dict, dict]:
    with open_store(db) as s:
        docs = {r.id: s.get_document(r.id).to_dict() for r in s.iter_matches("")}
        versions = {i.id: s.get_issue(i.id).parser_version for i in s.list_issues()}
    return docs, versions


@pytest.mark.parametrize("archive", BACKENDS, indirect=True)
def test_reparse_replaces_issues_of_another_parser_version(archive):
    docs_before, versions = _snapshot(archive)
    assert set(versions.values()) == {PARSER_VERSION}
    r = gongbao("reparse", "--db", archive)
    assert r.returncode == 0 and "nothing to do" in r.stderr, r.stderr

    stale = sorted(versions)[:2]
    assert json.loads(gongbao("stats", "--db", archive, "--json").stdout)["stale_issues"] == 0
    _sql(archive, f"UPDATE issues SET parser_version = '0.0.1' WHERE id IN ({stale[0]}, {stale[1]})")
    assert json.loads(gongbao("stats", "--db", archive, "--json").stdout)["stale_issues"] == 2
    assert "gongbao reparse" in gongbao("stats", "--db", archive).stdout
    with open_store(archive) as s:
        assert s.stale_issues(PARSER_VERSION) == stale
        n_stale_docs = sum(len(s.get_issue(i).documents) for i in stale)
    r = gongbao("reparse", "--db", archive, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert (out["replaced"], out["failed"], out["documents"]) == (2, 0, n_stale_docs)
    assert out["parser_version"] == PARSER_VERSION

    docs_after, versions_after = _snapshot(archive)
    assert set(versions_after.values()) == {PARSER_VERSION}
    assert docs_after.keys() == docs_before.keys()  # the documents kept their ids ...
    for doc_id, before in docs_before.items():  # ... and, parsed by the same code, their contents
        after = docs_after[doc_id]
        assert {k: v for k, v in after.items() if k != "ingested_at"} == \
            {k: v for k, v in before.items() if k != "ingested_at"}, doc_id
    assert json.loads(gongbao("reparse", "--db", archive, "--json").stdout)["replaced"] == 0
    r = gongbao("ingest", str(SAMPLES), "--db", archive, "--json")
    assert json.loads(r.stdout)["unchanged"] == 3


@pytest.mark.parametrize("archive", BACKENDS, indirect=True)
def test_an_issue_the_parser_cannot_archive_keeps_its_stored_version(archive):
    with open_store(archive) as s:
        victim = s.list_issues()[0]
        before = s.stats()
        kept = s.get_issue(victim.id)
    _sql(archive, "UPDATE issues SET parser_version = '0.0.1', source_text = ? WHERE id = ?",
         ("这只是一段普通的文字，没有任何公文。\n", victim.id))
    r = gongbao("reparse", "--db", archive, "--json")
    assert r.returncode == 1, r.stderr
    out = json.loads(r.stdout)
    assert (out["replaced"], out["failed"]) == (0, 1)
    assert victim.source_name in out["failures"][0]["error"] and "no documents" in out["failures"][0]["error"]
    with open_store(archive) as s:
        after = s.stats()
        assert after.stale_issues == 1 and dataclasses.replace(after, stale_issues=0) == before
        assert [d.id for d in s.get_issue(victim.id).documents] == [d.id for d in kept.documents]
    r = gongbao("reparse", "--db", archive)
    assert r.returncode == 1 and "kept as stored" in r.stderr and "Traceback" not in r.stderr


def _version_with(tmp_path: Path, name: str, change: str | None) -> str:
    """PARSER_VERSION of a copy of the package with a comment added to the file ``change``."""
    copy = tmp_path / name
    shutil.copytree(ROOT / "src" / "gongbao", copy / "gongbao", ignore=shutil.ignore_patterns("__pycache__"))
    if change:
        with open(copy / "gongbao" / change, "a", encoding="utf-8") as f:
            f.write("\n# changed\n")
    r = subprocess.run([sys.executable, "-c", "import gongbao; print(gongbao.__file__, gongbao.PARSER_VERSION)"],
                       capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(copy)}, check=True)
    where, version = r.stdout.split()
    assert where.startswith(str(copy))
    return version


def test_the_parser_version_follows_the_parser_code(tmp_path):
    assert _version_with(tmp_path, "same", None) == PARSER_VERSION
    assert _version_with(tmp_path, "web", "web/app.py") == PARSER_VERSION  # not parser code
    changed = {_version_with(tmp_path, f.replace("/", "_"), f) for f in ("extract/body.py", "segment/toc.py", "parse.py")}
    assert len(changed) == 3 and PARSER_VERSION not in changed
    assert all(v.startswith(PARSER_VERSION.split("+")[0] + "+") for v in changed)
