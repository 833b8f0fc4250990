"""PostgreSQL search forms (``search_source``): the narrow ``doc_search`` alone (``TEXT``), strpos
on the rows a selective filter leaves (``SCAN``) and GIN subqueries under a filter (``SUB``); every
form, and ``search`` with its one-pass id list, must give exactly the reference matches."""

from __future__ import annotations

import random

import pytest

from gongbao.ingest import ingest_paths
from gongbao.store import SearchFilters, open_store
from gongbao.store.common import clean_filters
from gongbao.store.postgres import (
    REF_SEP,
    SCAN,
    SOURCES,
    SUB,
    TEXT,
    filter_lexeme,
    filter_lexeme_sql,
    filter_sql,
    search_source,
    where_sql,
)
from gongbao.store.query import matches_folded, parse_query

from .storeutil import random_substring

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def archive(tmp_path_factory, pg_cluster):
    import synth

    from .conftest import new_pg_url

    if pg_cluster is None:
        pytest.skip("no PostgreSQL server binaries")
    corpus = tmp_path_factory.mktemp("pgcorpus")
    synth.write_corpus(corpus, 250, seed=17)
    store = open_store(new_pg_url(pg_cluster))
    assert ingest_paths(store, sorted(corpus.glob("*.txt")), workers=1).failed == 0
    rows = store._conn.execute(
        "SELECT d.id, d.city, d.year, d.mtitle, split_part(s.mtext, chr(1), 2), d.mrefs"
        " FROM documents d JOIN doc_search s ON s.id = d.id"
    ).fetchall()
    yield store, rows
    store.close()


def _want(rows, q: str, city, year) -> set[int]:
    pq = parse_query(q)
    return {
        i for i, c, y, title, body, refs in rows
        if (city is None or c == city) and (year is None or y == year)
        and matches_folded(pq, title, body, refs.split(REF_SEP) if refs else [])
    }


def test_scan_and_index_forms_match_the_reference(archive):
    store, rows = archive
    rng = random.Random(3)
    pairs = sorted({(c, y) for _, c, y, *_ in rows})
    queries = ["的", "政府", "人民政府", "管理 办法", "通知 OR 决定", "工作 -安全"]
    while len(queries) < 60:
        _, _, _, title, body, _ = rng.choice(rows)
        q = random_substring(rng, title, body, [1, 2, 3, 4, 5, 7])
        if q is not None:
            queries.append(f'"{q}"')
    checked = 0
    for q in queries:
        city, year = rng.choice(pairs)
        for c, y in ((city, year), (city, None), (None, year), (None, None)):
            f = clean_filters(SearchFilters(city=c, year=y))
            want = _want(rows, q, c, y)
            pq = parse_query(q)
            has_dn = any(t.doc_number for t in [*pq.positive_terms(), *pq.excluded])
            assert search_source(pq, f, False) == (SUB if has_dn else TEXT)
            assert search_source(pq, f, True) == SCAN
            # the same documents in every form (doc_search has no 文号 columns)
            for form in (SCAN, SUB) if has_dn else (TEXT, SCAN, SUB):
                where, params = where_sql(pq, f, form)
                got = {r[0] for r in store._conn.execute(f"SELECT d.id FROM {SOURCES[form]} WHERE {where}", params)}
                assert got == want, (q, c, y, form)
            res = store.search(q, SearchFilters(city=c, year=y), limit=5, facets=(checked % 2 == 0))
            assert res.total == len(want), (q, c, y)
            assert [h.id for h in res.hits] == [h.id for h in res.hits if h.id in want]
            checked += 1
    # the city + year filters here leave few rows: search took the scan form for them
    city, year = pairs[0]
    fsql, fparams = filter_sql(clean_filters(SearchFilters(city=city, year=year)))
    assert store._few_rows(store._conn, "t", fsql, fparams)


def test_pages_of_a_filtered_search_cover_all_matches(archive):
    store, rows = archive
    city = sorted({c for _, c, *_ in rows})[0]
    for q in ("的", "政府"):
        want = _want(rows, q, city, None)
        seen, cursor = [], None
        while True:
            res = store.search(q, SearchFilters(city=city), limit=7, cursor=cursor, facets=False)
            seen += [h.id for h in res.hits]
            cursor = res.next_cursor
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) and set(seen) == want


def test_filter_lexemes_are_the_same_in_python_and_sql(archive):
    store, _ = archive
    for kind, value in [("city", "朔州市"), ("city", "a'b \\ c"), ("section", ""), ("year", 2020), ("year", -3),
                        ("issuer", "朔州市人民政府办公室"), ("doc_type", "通知")]:
        sql = filter_lexeme_sql(kind, "%s")
        got = store._conn.execute(f"SELECT {sql}", (value,) if kind != "year" else (str(value),)).fetchone()[0]
        assert got == filter_lexeme(kind, value)
        assert len(got) % 2 == 1  # never a 4-, 8- or 16-character text lexeme


def test_every_filter_in_every_form_matches_the_reference(archive):
    """Filters on section, doc type, issuer (lexemes in the TEXT form), alone and with a year,
    and the ones only ``documents`` has (dates, issue): each form and ``search`` against brute force."""
    store, rows = archive
    meta = {i: (sec, dt, set(iss or [])) for i, sec, dt, iss in store._conn.execute(
        "SELECT d.id, d.section, d.doc_type, (SELECT array_agg(issuer) FROM doc_issuers x WHERE x.doc_id = d.id)"
        " FROM documents d")}
    dates = dict(store._conn.execute("SELECT id, signed_date FROM documents").fetchall())
    issue_of = dict(store._conn.execute("SELECT id, issue_id FROM documents").fetchall())
    rng = random.Random(11)
    sections = sorted({m[0] for m in meta.values() if m[0]})
    types = sorted({m[1] for m in meta.values() if m[1]})
    issuers = sorted({x for m in meta.values() for x in m[2]})
    years = sorted({y for _, _, y, *_ in rows if y is not None})
    texts = {i: (t, b, r) for i, _, _, t, b, r in rows}
    year_of = {i: y for i, _, y, *_ in rows}
    for n in range(40):
        i = rng.choice(rows)[0]
        q = random_substring(rng, texts[i][0], texts[i][1], [1, 2, 4]) or "的"
        pq = parse_query(f'"{q}"')
        kind = n % 5
        f = SearchFilters(
            section=rng.choice(sections) if kind == 0 else None,
            doc_type=rng.choice(types) if kind == 1 else None,
            issuer=rng.choice(issuers) if kind == 2 else None,
            year=rng.choice(years) if n % 2 else None,
            date_from="2018" if kind == 3 else None,
            issue_id=issue_of[i] if kind == 4 else None,
        )
        want = {
            d for d, (t, b, r) in texts.items()
            if matches_folded(pq, t, b, r.split(REF_SEP) if r else [])
            and (f.section is None or meta[d][0] == f.section) and (f.doc_type is None or meta[d][1] == f.doc_type)
            and (f.issuer is None or f.issuer in meta[d][2]) and (f.year is None or year_of[d] == f.year)
            and (f.date_from is None or (dates[d] or "") >= "2018") and (f.issue_id is None or issue_of[d] == f.issue_id)
        }
        cf = clean_filters(f)
        expect = TEXT if kind < 3 else SUB
        assert search_source(pq, cf, False) == expect
        for form in (expect, SCAN):
            where, params = where_sql(pq, cf, form)
            got = {r[0] for r in store._conn.execute(f"SELECT d.id FROM {SOURCES[form]} WHERE {where}", params)}
            assert got == want, (q, f, form)
        res = store.search(f'"{q}"', f, limit=3, facets=(n % 3 == 0))
        assert res.total == len(want), (q, f)


def test_iter_matches_streams_each_match_once_in_every_form(archive, monkeypatch):
    """Exports read the matches through one server-side cursor, a page at a time: pages of 7 ids
    here, so that every query below spans several."""
    import gongbao.store.postgres as pg

    store, rows = archive
    monkeypatch.setattr(pg, "EXPORT_PAGE", 7)
    city = sorted({c for _, c, *_ in rows})[0]
    number = next(refs.split(REF_SEP)[0] for *_, refs in rows if refs)
    cases = [("的", None), ("", None), ("政府", city), ("工作 -安全", city), (number, None), (f"通知 OR {number}", city)]
    for q, c in cases:
        want = _want(rows, q, c, None)
        assert len(want) > 7 or q == number, q
        got = [r.id for r in store.iter_matches(q, SearchFilters(city=c))]
        assert got == sorted(want), (q, c)
    forms = {search_source(parse_query(q), clean_filters(SearchFilters(city=c)), False) for q, c in cases}
    assert forms == {TEXT, SUB}
