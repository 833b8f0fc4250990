"""``gongbao delete``: real processes on both backends; an issue goes with everything it brought."""

from __future__ import annotations

import json

import pytest

from gongbao.store import open_store
from gongbao.store.tokenize import fold

from .test_ingest import SAMPLES, gongbao

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_delete_removes_an_issue_and_only_it(backend, tmp_path, new_pg_db):
    db = str(tmp_path / "a.db") if backend == "sqlite" else new_pg_db()
    assert gongbao("ingest", str(SAMPLES), "--db", db, "-q").returncode == 0
    issues = json.loads(gongbao("issues", "--json", "--db", db).stdout)
    gone = next(i for i in issues if i["city"] == "阳泉市")
    with open_store(db) as store:
        gone_docs = store.get_issue(gone["id"]).documents
        kept = [store.get_document(d.id) for i in issues if i["id"] != gone["id"]
                for d in store.get_issue(i["id"]).documents]
    kept_texts = [fold(d.title) + "\n" + fold(d.text) for d in kept]

    r = gongbao("delete", str(gone["id"]), "--yes", "--db", db)
    assert r.returncode == 0, r.stderr
    assert f"deleted 1 issue(s), {gone['document_count']} documents" in r.stderr

    stats = json.loads(gongbao("stats", "--json", "--db", db).stdout)
    assert (stats["issues"], stats["documents"]) == (2, 56 - gone["document_count"])
    assert [i["id"] for i in json.loads(gongbao("issues", "--json", "--db", db).stdout)] == [
        i["id"] for i in issues if i["id"] != gone["id"]]
    city = json.loads(gongbao("search", "", "--city", "阳泉市", "--json", "--db", db).stdout)
    assert city["total"] == 0
    everything = json.loads(gongbao("search", "", "--json", "--db", db).stdout)
    assert "阳泉市" not in {f["value"] for f in everything["facets"]["city"]}
    gone_ids = {d.id for d in gone_docs}
    # Exact recall over what remains: the deleted titles (and pieces of them) are found exactly
    # where a remaining document contains them, never in a deleted one.
    queries = [d.title for d in gone_docs[:4]] + [d.title[2:6] for d in gone_docs[:4]] + [kept[0].title, "阳泉"]
    for q in queries:
        hits = json.loads(gongbao("search", q, "--limit", "1000", "--json", "--db", db).stdout)
        assert hits["total"] == sum(fold(q) in t for t in kept_texts), q
        assert not gone_ids & {h["id"] for h in hits["hits"]}, q

    again = json.loads(gongbao("ingest", str(SAMPLES), "--db", db, "-q", "--json").stdout)
    assert (again["added"], again["unchanged"]) == (1, 2)  # the deleted text is new again
    assert json.loads(gongbao("stats", "--json", "--db", db).stdout)["documents"] == 56


def test_delete_refuses_without_confirmation_or_with_an_unknown_id(tmp_path):
    db = str(tmp_path / "a.db")
    assert gongbao("ingest", str(SAMPLES), "--db", db, "-q").returncode == 0
    ids = [i["id"] for i in json.loads(gongbao("issues", "--json", "--db", db).stdout)]
    cases = [
        ([str(ids[0])], 2, "--yes"),  # stdin is not a terminal: no one to ask
        ([str(ids[0]), "999", "--yes"], 1, "no stored issue 999"),  # all or none
        (["abc", "--yes"], 2, "issue_ids"),
    ]
    for args, code, message in cases:
        r = gongbao("delete", *args, "--db", db)
        assert r.returncode == code and message in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)
        assert "nothing deleted" in r.stderr or code == 2 and args[0] == "abc"
    assert json.loads(gongbao("stats", "--json", "--db", db).stdout)["documents"] == 56
    r = gongbao("delete", "1", "--yes", "--db", str(tmp_path / "none.db"))
    assert r.returncode == 2 and "none.db" in r.stderr
