"""The Store contract, run on both backends (real SQLite file, real PostgreSQL server)."""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import subprocess
import time

import pytest

from gongbao.models import Citation, Document, Gazette, Issue, Paragraph, ParseWarning, TocEntry
from gongbao.store import QueryError, SearchFilters, StoreError, open_store
from gongbao.store.common import content_hash

# -- builders -------------------------------------------------------------------------------------


def doc(title, number=None, body=(), *, issuer="甲市人民政府", doc_type="通知", section="市政府文件",
        signed="2020-05-01", cites=(), start=10) -> Document:
    paras = [Paragraph(t, start + 2 + i, start + 2 + i) for i, t in enumerate(body)]
    return Document(
        title=title, start_line=start, end_line=start + 2 + len(paras), doc_number=number, issuer=issuer,
        doc_type=doc_type, section=section, signed_date=signed, cites=sorted(cites),
        citations=[Citation(c, None, c.replace("〔", "[").replace("〕", "]"), start + 2) for c in cites],
        body=paras, warnings=[ParseWarning("w", "提示", start)],
    )


def issue(city="甲市", year=2020, number=1, docs=(), name=None) -> Issue:
    return Issue(
        gazette=Gazette(name=name or f"{city}人民政府公报", city=city, year=year, issue=number),
        toc=[TocEntry("市政府文件", d.title, d.doc_number, 1) for d in docs],
        documents=list(docs), line_count=100, parser_version="test",
    )


def put(store, iss: Issue, text: str | None = None, name: str = "x.txt"):
    text = text if text is not None else json.dumps(iss.to_dict(), ensure_ascii=False)
    return store.store_issue(iss, content_hash=content_hash(text), source_name=name, source_text=text)


def ids(result):
    return [h.id for h in result.hits]


# -- writing --------------------------------------------------------------------------------------


def test_store_is_idempotent_and_replaces_atomically(store):
    a = issue(docs=[doc("甲市关于煤矿安全的通知", "甲政发〔2020〕1号", ["加强煤矿安全。"]),
                    doc("甲市关于外资的意见", "甲政发〔2020〕2号", ["利用外资。"], doc_type="意见")])
    first = put(store, a, "v1")
    assert first.status == "added" and first.documents == 2
    assert put(store, a, "v1").status == "unchanged"
    doc_ids = ids(store.search("", limit=10))
    assert sorted(doc_ids) == sorted(ids(store.search("甲市")))
    assert store.search("煤矿").total == 1  # (cached totals and facets must not survive a write)
    assert store.search("煤矿", facets=False).total == 1

    b = issue(docs=[doc("甲市关于煤炭运输的通知", "甲政发〔2020〕1号", ["规范煤炭运输。"]),
                    doc("甲市关于外资的意见", "甲政发〔2020〕2号", ["利用外资。"], doc_type="意见")])
    second = put(store, b, "v2")
    assert second.status == "replaced" and second.issue_id == first.issue_id
    assert store.stats().issues == 1 and store.stats().documents == 2
    assert store.search("煤矿").total == 0  # the old text is gone from the index
    assert store.search("煤矿", facets=False).total == 0
    assert store.search("煤炭运输").total == 1
    assert sorted(ids(store.search("", limit=10))) == sorted(doc_ids)  # ids kept by position
    assert store.has_content(content_hash("v2")) == first.issue_id
    assert store.has_content(content_hash("v1")) is None


def test_new_parser_version_replaces(store):
    a = issue(docs=[doc("甲市关于煤矿安全的通知", "甲政发〔2020〕1号", ["煤矿。"])])
    put(store, a, "same")
    a.parser_version = "newer"
    assert put(store, a, "same").status == "replaced"


def test_issue_without_identity_is_added_by_hash(store):
    a = issue(city=None, docs=[doc("无名公报里的通知", None, ["正文。"])])
    assert put(store, a, "t1").status == "added"
    assert put(store, a, "t2").status == "added"
    assert store.stats().issues == 2


def test_failed_issue_in_a_batch_leaves_the_others(store):
    good = issue(number=1, docs=[doc("好的通知", "甲政发〔2020〕1号", ["正文。"])])
    bad = issue(number=2, docs=[doc("坏的通知", "甲政发〔2020〕2号", ["正文。"])])
    bad.documents[0].start_line = "not a number"  # type: ignore[assignment]  # fails on insert/serialise
    bad.documents[0].warnings = [object()]  # type: ignore[list-item]
    with store.batch():
        put(store, good, "good")
        with pytest.raises(Exception):  # noqa: B017 - whatever the driver raises
            put(store, bad, "bad")
        put(store, issue(number=3, docs=[doc("第三期的通知", "甲政发〔2020〕3号", ["正文。"])]), "third")
    assert store.stats().issues == 2
    assert store.search("坏的").total == 0


def test_document_round_trip_and_citations_both_ways(store):
    cited = issue(number=1, docs=[doc("甲市关于外资的意见", "甲政发〔2020〕2号", ["利用外资。"])])
    citing = issue(number=2, docs=[
        doc("甲市关于落实外资意见的通知", "甲政办发〔2020〕9号", ["根据甲政发[2020]2号和乙政发〔2019〕5号。"],
            cites=["甲政发〔2020〕2号", "乙政发〔2019〕5号"], issuer=["甲市人民政府", "甲市财政局"]),
    ])
    put(store, citing, "citing")
    rec = store.resolve("甲政办发(2020)9号")
    assert rec is not None and rec.issuer == ["甲市人民政府", "甲市财政局"]
    assert [c.target_id for c in rec.citations] == [None, None]  # nothing archived yet
    put(store, cited, "cited")
    rec = store.get_document(rec.id)
    target = store.resolve("甲政发〔2020〕2号")
    by_number = {c.doc_number: c for c in rec.citations}
    assert by_number["甲政发〔2020〕2号"].target_id == target.id
    assert by_number["甲政发〔2020〕2号"].raw == "甲政发[2020]2号"
    assert by_number["乙政发〔2019〕5号"].target_id is None
    assert [c.ref.id for c in target.cited_by] == [rec.id]
    assert rec.body[0]["text"].startswith("根据") and rec.body[0]["start_line"] == 12
    assert rec.fields["warnings"][0]["code"] == "w"
    assert rec.gazette["city"] == "甲市" and rec.city == "甲市"
    assert json.loads(json.dumps(rec.to_dict(), ensure_ascii=False))["id"] == rec.id
    assert store.get_document(10**12) is None and store.resolve("乙政发〔2019〕5号") is None
    assert store.resolve("不是文号") is None
    st = store.stats()
    assert st.citations == 2 and st.resolved_citations == 1


def test_issue_listing_toc_and_source_lines(store):
    text = "\n".join(f"第{i}行" for i in range(1, 101))
    a = issue(city="乙市", year=2021, number=4, docs=[doc("乙市关于甲的通知", "乙政发〔2021〕1号", ["正文。"])])
    out = put(store, a, text, name="yi-2021-04.txt")
    issues = store.list_issues(city="乙市")
    assert [(i.city, i.year, i.issue, i.document_count, i.source_name) for i in issues] == [
        ("乙市", 2021, 4, 1, "yi-2021-04.txt")
    ]
    assert store.list_issues(year=1999) == [] and store.list_issues(year=10**20) == []
    assert store.get_issue(10**20) is None and store.delete_issue(10**20) is False  # no driver overflow
    assert store.delete_issue(-1) is False
    rec = store.get_issue(out.issue_id)
    assert rec.toc[0]["document_id"] == rec.documents[0].id
    assert store.source_lines(out.issue_id, 10, 12) == ["第10行", "第11行", "第12行"]
    assert store.get_issue(999999) is None
    assert store.delete_issue(out.issue_id) and store.stats().documents == 0
    assert store.search("乙市").total == 0


# -- searching ------------------------------------------------------------------------------------


@pytest.fixture
def small(store):
    put(store, issue(city="甲市", year=2020, number=1, docs=[
        doc("甲市关于煤矿安全生产的通知", "甲政发〔2020〕1号", ["各县要加强煤矿安全。", "煤"], signed="2020-03-01"),
        doc("甲市关于利用外资的意见", "甲政发〔2020〕2号", ["积极有效利用外资，推动煤炭转型。"],
            doc_type="意见", signed="2020-06-01"),
        doc("甲市人民政府办公室关于印发营商环境方案的通知", "甲政办发〔2020〕36号", ["优化营商 环境。煤矿"],
            issuer="甲市人民政府办公室", section="市政府办公室文件", signed="2020-09-01"),
    ]), "a")
    put(store, issue(city="乙市", year=2021, number=2, docs=[
        doc("乙市关于转发甲政办发〔2020〕36号的通知", "乙政发〔2021〕7号", ["转发甲政办发[2020]36号，请执行。"],
            issuer=["乙市人民政府", "乙市财政局"], cites=["甲政办发〔2020〕36号"], signed="2021-01-05"),
        doc("乙市关于ＡＢＣ（一）的通知", None, ["全角字母与括号。"], signed=None),
    ]), "b")
    return store


def test_single_character_and_phrases(small):
    assert small.search("煤").total == 3
    assert small.search("煤矿").total == 2
    assert small.search("利用外资").total == 1
    assert small.search('"营商 环境"').total == 1  # OCR space in the body is folded away
    assert small.search("营商环境").total == 1
    assert small.search("abc(一)").total == 1  # width and case folded both ways
    assert small.search("不存在的词").total == 0


def test_title_hits_rank_first(small):
    r = small.search("煤矿")
    assert small.get_document(r.hits[0].id).title.startswith("甲市关于煤矿")
    assert r.hits[0].title_highlights and r.hits[0].score >= r.hits[1].score


def test_boolean_syntax(small):
    assert small.search("煤矿 外资").total == 0
    assert small.search("煤矿 OR 外资").total == 3
    assert small.search("煤 -煤矿").total == 1
    assert small.search("-煤").total == 2
    assert small.search("煤矿 营商 OR 安全").total == 2


@pytest.mark.parametrize("q", ["甲政办发[2020]36号", "甲政办发（2020）36号", "甲政办发〔2020〕36号", "甲政办发 (2020) 36 号"])
def test_doc_number_variants_find_the_document_and_its_citers(small, q):
    r = small.search(q)
    titles = sorted(h.title for h in r.hits)
    assert r.total == 2
    assert titles == sorted(["甲市人民政府办公室关于印发营商环境方案的通知", "乙市关于转发甲政办发〔2020〕36号的通知"])
    assert small.search("", SearchFilters(doc_number=q)).total == 1


def test_filters_and_exact_facets(small):
    r = small.search("通知")
    assert r.total == 4
    assert {f.value: f.count for f in r.facets["city"]} == {"甲市": 2, "乙市": 2}
    assert {f.value: f.count for f in r.facets["year"]} == {2020: 2, 2021: 2}
    issuers = {f.value: f.count for f in r.facets["issuer"]}
    assert issuers == {"甲市人民政府": 2, "甲市人民政府办公室": 1, "乙市人民政府": 1, "乙市财政局": 1}
    assert {f.value: f.count for f in r.facets["doc_type"]} == {"通知": 4}
    assert small.search("通知", SearchFilters(city="乙市")).total == 2
    assert small.search("", SearchFilters(year=2020, doc_type="意见")).total == 1
    assert small.search("", SearchFilters(date_from="2020-06", date_to="2020")).total == 2
    assert small.search("", SearchFilters(date_from="2021-01-05")).total == 1
    assert small.search("", SearchFilters(section="市政府办公室文件")).total == 1
    assert small.search("", SearchFilters(issuer="乙市财政局")).total == 1
    r = small.search("", SearchFilters(city="没有这个市"))
    assert r.total == 0 and r.hits == [] and r.next_cursor is None


def test_empty_query_lists_newest_first(small):
    r = small.search("")
    assert r.total == 5
    dates = [h.signed_date for h in r.hits]
    assert dates[:4] == ["2021-01-05", "2020-09-01", "2020-06-01", "2020-03-01"] and dates[4] is None


@pytest.mark.parametrize("mode_limit", [10**6, 0])  # BM25 order, and newest-first for broad queries
def test_cursor_walks_every_match_once(small, monkeypatch, mode_limit):
    import gongbao.store.postgres as pg
    import gongbao.store.sqlite as sq

    monkeypatch.setattr(sq, "RANK_LIMIT", mode_limit)
    monkeypatch.setattr(pg, "RANK_LIMIT", mode_limit)
    for q in ["通知", "", "-外资", "市"]:
        want = small.search(q, limit=100).total
        seen, cursor = [], None
        while True:
            r = small.search(q, limit=1, cursor=cursor, facets=False)
            seen += ids(r)
            cursor = r.next_cursor
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) == want
        assert sorted(seen) == sorted(x.id for x in small.iter_matches(q))


def test_newest_order_lists_the_latest_added_first(small):
    # the title hit ranks first by relevance; newest puts the last stored match first instead
    assert small.get_document(small.search("煤矿").hits[0].id).title.startswith("甲市关于煤矿")
    for q, filters in [("煤矿", None), ("通知", None), ("通知", SearchFilters(city="甲市")), ("煤 OR 外资", None),
                       ("甲政办发[2020]36号", None)]:
        everything = small.search(q, filters, limit=100)
        seen, cursor = [], None
        while True:
            r = small.search(q, filters, limit=1, cursor=cursor, facets=False, order="newest")
            assert r.total == everything.total
            seen += ids(r)
            if (cursor := r.next_cursor) is None:
                break
        assert seen == sorted(ids(everything), reverse=True), q  # every match once, by id descending
    newest = small.search("", order="newest")
    assert ids(newest) == ids(small.search(""))  # without text both orders list by date
    assert small.search("通知", order="newest").facets == small.search("通知").facets


def test_a_cursor_belongs_to_its_order(small):
    by_rank = small.search("通知", limit=1).next_cursor
    by_age = small.search("通知", limit=1, order="newest").next_cursor
    with pytest.raises(QueryError):
        small.search("通知", limit=1, cursor=by_rank, order="newest")
    with pytest.raises(QueryError):
        small.search("通知", limit=1, cursor=by_age)
    with pytest.raises(QueryError, match="order"):
        small.search("通知", order="oldest")


def test_optimize_changes_no_result(small):
    put(small, issue(city="乙市", year=2021, number=2, docs=[  # a replaced issue leaves deletions in the index
        doc("乙市关于煤炭运输的通知", "乙政发〔2021〕8号", ["煤炭运输，外资。"], signed="2021-02-01"),
    ]), "b2")
    queries = ["煤", "煤矿", "通知", "外资 OR 营商", "-煤", "甲政办发[2020]36号", "", "运输"]

    def answers():
        return [(r.total, ids(r), {k: [(f.value, f.count) for f in v] for k, v in r.facets.items()})
                for r in (small.search(q, limit=50) for q in queries)]

    before = answers()
    small.optimize()
    small.optimize()  # idempotent
    assert answers() == before
    with small.batch(), pytest.raises(StoreError, match="batch"):
        small.optimize()


def test_snippets_highlight_the_match(small):
    h = small.search("营商环境").hits[0]
    spans = h.highlights
    assert spans and all(h.snippet[s:e].replace(" ", "") == "营商环境" for s, e in spans)
    assert "<mark>" in h.snippet_html()


HOSTILE = ['"', '""', "'", "*", "NEAR(a b)", "a AND", "OR", "NOT", "(", ")", "{title}: x", "^煤", "煤*",
           "col:煤", "-", "--", "- -煤", "\\", "%", "_", "%煤%", "'; DROP TABLE documents; --", "\x00",
           "煤\x00矿", "\u202e", "<script>alert(1)</script>", "ｏｒ", "\ufeff", "𠀀𠀁", "😀", "‮"]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_never_break_the_engine(small, q):
    r = small.search(q)
    assert r.total >= 0
    assert small.search("煤").total == 3  # and nothing was damaged


def test_long_and_bad_inputs_are_query_errors(small):
    with pytest.raises(QueryError):
        small.search("煤" * 10_000)
    with pytest.raises(QueryError):  # before streaming starts, so an HTTP export can still answer 400
        small.iter_matches("煤" * 10_000)
    with pytest.raises(QueryError):
        small.iter_matches("煤", SearchFilters(date_from="x"))
    assert small.search("煤" * 1000).total == 0
    for cursor in ["", "x", "!!!", "eyJ9", "A" * 5000, small.search("煤矿", limit=1).next_cursor + "A"]:
        with pytest.raises(QueryError):
            small.search("煤矿", cursor=cursor or "=")
    other = small.search("煤", limit=1).next_cursor
    with pytest.raises(QueryError):
        small.search("煤矿", cursor=other)  # a cursor of another search
    for bad in [0, -1, 10**9]:
        with pytest.raises(QueryError):
            small.search("煤", limit=bad)
    for f in [SearchFilters(date_from="yesterday"), SearchFilters(date_to="2020-13"), SearchFilters(year="x")]:
        with pytest.raises(QueryError):
            small.search("煤", f)


# -- opening --------------------------------------------------------------------------------------


def test_open_errors_name_the_file(tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("this is not a database" * 100)
    with pytest.raises(StoreError, match="notes.db"):
        open_store(str(text))
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as c:
        c.execute("CREATE TABLE t(x)")
    with pytest.raises(StoreError, match="other.db.*not a gongbao archive"):
        open_store(str(other))
    with pytest.raises(StoreError, match="missing.db"):
        open_store(str(tmp_path / "missing.db"), create=False)


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "a.db"
    open_store(str(path)).close()
    with sqlite3.connect(path) as c:
        c.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="newer"):
        open_store(str(path))


def test_default_location_and_env(monkeypatch, tmp_path):
    from gongbao.store import default_db_path, resolve_db

    monkeypatch.delenv("GONGBAO_DB", raising=False)
    assert resolve_db(None) == str(default_db_path())
    assert default_db_path().parts[-2:] == ("gongbao", "gongbao.db")
    monkeypatch.setenv("GONGBAO_DB", str(tmp_path / "env.db"))
    assert resolve_db(None) == str(tmp_path / "env.db")
    assert resolve_db("postgresql://x/y") == "postgresql://x/y"


def _resident_bytes(path) -> int:
    out = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return int(out.split()[0])


def test_warm_reads_the_archive_ahead_when_it_fits(tmp_path):
    rng = random.Random(7)  # varied text: compressed and indexed, it still makes a few MB
    db = tmp_path / "w.db"
    with open_store(str(db)) as s:
        body = ["".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(3000)) for _ in range(40)]
        put(s, issue(docs=[doc(f"甲市关于第{i}项工作的通知", f"甲政发〔2020〕{i}号", [b]) for i, b in enumerate(body, 1)]))
        s.optimize()  # checkpoint: everything in the main file
    with open_store(str(db)) as s:
        size = db.stat().st_size + (db.with_name("w.db-wal").stat().st_size if db.with_name("w.db-wal").exists() else 0)
        assert size > 1_000_000
        assert s.warm(max_fraction=1e-12) == 0  # does not fit: nothing requested
        if shutil.which("fincore") is None:
            pytest.skip("fincore (util-linux) is not installed: cannot see the page cache")
        fd = os.open(db, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)  # clean pages leave the cache
        finally:
            os.close(fd)
        assert _resident_bytes(db) < db.stat().st_size // 2
        assert s.warm() == size
        deadline = time.monotonic() + 10
        while _resident_bytes(db) < db.stat().st_size * 0.9 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _resident_bytes(db) >= db.stat().st_size * 0.9
