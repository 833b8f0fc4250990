"""PostgreSQL search forms (``search_source``): the narrow ``doc_search`` alone (``TEXT``), strpos
on the rows a selective filter leaves (``SCAN``) and GIN subqueries under a filter (``SUB``); every
form, and ``search`` with its one-pass id list, must give exactly the reference matches."""

from __future__ import annotations

import random

import pytest

from gongbao.ingest import ingest_paths
from gongbao.store import SearchFilters, open_store
from gongbao.store.common import clean_filters
from gongbao.store.postgres import REF_SEP, SCAN, SOURCES, SUB, TEXT, filter_sql, query_sql, search_source
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
        "SELECT d.id, d.city, d.year, s.mtitle, s.mbody, d.mrefs FROM documents d JOIN doc_search s ON s.id = d.id"
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
            fsql, fparams = filter_sql(f)
            pq = parse_query(q)
            has_dn = any(t.doc_number for t in [*pq.positive_terms(), *pq.excluded])
            assert search_source(pq, fsql, False) == (TEXT if fsql == "TRUE" and not has_dn else SUB)
            assert search_source(pq, fsql, True) == SCAN
            text_ok = fsql == "TRUE" and not has_dn  # doc_search has no filter or 文号 columns
            for form in (TEXT, SCAN, SUB) if text_ok else (SCAN, SUB):  # the same documents in every form
                qsql, qparams = query_sql(pq, form)
                got = {r[0] for r in store._conn.execute(
                    f"SELECT d.id FROM {SOURCES[form]} WHERE {qsql} AND {fsql}", [*qparams, *fparams])}
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
