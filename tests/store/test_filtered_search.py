"""Text + facet filters on SQLite (city/year/section/doc_type, resolved on the in-memory facet map):
the text matched only inside the filtered documents' id ranges, or once over the whole index. Both
paths must give exactly the brute-force total, facets and pages, and the same ranking; on a real
SQLite archive whose issues were stored in shuffled order (so one filter keeps several id ranges)."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import gongbao.store.sqlite as sq
from gongbao.ingest import ingest_paths
from gongbao.store import SearchFilters, open_store
from gongbao.store.common import issuers_of
from gongbao.store.facetmap import count_in, id_ranges
from gongbao.store.query import matches_folded, parse_query
from gongbao.store.tokenize import fold

from .storeutil import random_substring

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "src" / "gongbao" / "data" / "samples"


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    import synth

    corpus = tmp_path_factory.mktemp("fcorpus")
    synth.write_corpus(corpus, 300, seed=31)
    files = sorted(corpus.glob("*.txt")) + sorted(SAMPLES.glob("*.txt"))
    random.Random(5).shuffle(files)  # a city's or a year's issues get ids in several runs
    store = open_store(str(tmp_path_factory.mktemp("filtered") / "a.db"))
    summary = ingest_paths(store, files, workers=1)
    assert summary.failed == 0 and summary.documents > 250
    docs = {}
    for ref in store.iter_matches(""):
        rec = store.get_document(ref.id)
        refs = [fold(r) for r in ([rec.doc_number] if rec.doc_number else []) + rec.fields["cites"]]
        docs[rec.id] = (fold(rec.title), fold(rec.text), refs, rec)
    yield store, docs
    store.close()


def _facets_of(rec) -> dict:
    return {
        "city": rec.city,
        "year": rec.gazette.get("year"),
        "section": rec.section,
        "doc_type": rec.doc_type,
    }


def _brute(docs, query: str, f: SearchFilters) -> set[int]:
    q = parse_query(query)
    out = set()
    for doc_id, (title, body, refs, rec) in docs.items():
        values = _facets_of(rec)
        if any(getattr(f, k) is not None and values[k] != getattr(f, k) for k in values):
            continue
        if matches_folded(q, title, body, refs):
            out.add(doc_id)
    return out


def _facet_counts(docs, ids: set[int]) -> dict[str, dict]:
    out: dict[str, Counter] = {k: Counter() for k in ("city", "year", "section", "doc_type", "issuer")}
    for doc_id in ids:
        rec = docs[doc_id][3]
        for name, v in _facets_of(rec).items():
            if v is not None:
                out[name][v] += 1
        for i in set(issuers_of(rec.issuer)):
            out["issuer"][i] += 1
    return {k: dict(v) for k, v in out.items()}


def _walk(store, q: str, f: SearchFilters, limit: int) -> tuple[list[int], list]:
    """All hits of a query, page after page; and the first page's result."""
    seen, cursor, first = [], None, None
    while True:
        r = store.search(q, f, limit=limit, cursor=cursor, facets=cursor is None, snippets=False)
        first = first or r
        seen += [h.id for h in r.hits]
        if r.next_cursor is None:
            return seen, first
        cursor = r.next_cursor


def _filters(docs, rng: random.Random, n: int) -> list[SearchFilters]:
    recs = [d[3] for d in docs.values()]
    out = []
    for i in range(n):
        v = _facets_of(rng.choice(recs))
        pick = [
            ("city", "year"),
            ("city",),
            ("year",),
            ("section",),
            ("doc_type", "year"),
            ("city", "section"),
        ][i % 6]
        out.append(SearchFilters(**{k: v[k] for k in pick}))
    return out


def _queries(docs, rng: random.Random, n: int) -> list[str]:
    recs = list(docs.values())
    out: list[str] = []
    while len(out) < n:
        title, body, _, _ = rng.choice(recs)
        q = random_substring(rng, title, body, [1, 2, 2, 3, 4, 6])
        if q is not None:
            out.append(f'"{q}"')
    return out + ['"人民政府"', '"通知"', '"的"', '"人民政府" "通知"', '"通知" OR "意见"', '"政府" -"通知"']


PATHS = {
    # every filter matched range by range (ranges joined across gaps of other documents, or not)
    "ranges": {"RANGE_SHARE": float("inf"), "RANGE_GAP": 0},
    "joined-ranges": {"RANGE_SHARE": float("inf"), "RANGE_GAP": 40},
    # every filter: one scan of the whole index, filtered in memory
    "full-scan": {"RANGE_SHARE": -1.0},
}


@pytest.mark.parametrize("path", list(PATHS))
def test_filtered_totals_facets_and_all_pages_equal_brute_force(archive, monkeypatch, path):
    store, docs = archive
    for name, value in PATHS[path].items():
        monkeypatch.setattr(sq, name, value)
    monkeypatch.setattr(sq, "SAMPLE_WIDTH", 25)  # the ranking decision on a sample, not the whole archive
    rng = random.Random(2024)
    queries = _queries(docs, rng, 40)
    filters = _filters(docs, rng, len(queries))
    for q, f in zip(queries, filters, strict=True):
        want = _brute(docs, q, f)
        for rank_limit in (sq.RANK_LIMIT, 0):  # BM25 pages, and newest-first pages
            monkeypatch.setattr(sq, "RANK_LIMIT", rank_limit)
            store._cache = type(store._cache)()  # cold: no totals, facets or estimates from before
            seen, first = _walk(store, q, f, limit=7)
            assert first.total == len(want), (q, f)
            assert len(seen) == len(set(seen)) and set(seen) == want, (q, f)
            got = {k: {v.value: v.count for v in vals} for k, vals in first.facets.items()}
            for name, counts in _facet_counts(docs, want).items():
                if len(counts) <= sq.FACET_VALUES:
                    assert got[name] == counts, (q, f, name)
            if rank_limit == 0:
                assert seen == sorted(seen, reverse=True), (q, f)
        monkeypatch.setattr(sq, "RANK_LIMIT", 5000)


def test_both_paths_rank_alike_and_like_the_unfiltered_query(archive, monkeypatch):
    """BM25 of a filtered query is the unfiltered query's BM25 (same IDF: FTS5 computes it over
    the whole index whatever the rowid range), so the filtered ranking is the unfiltered ranking
    restricted to the filter, on either path."""
    store, docs = archive
    rng = random.Random(77)
    queries = _queries(docs, rng, 25)
    filters = _filters(docs, rng, len(queries))
    compared = 0
    for q, f in zip(queries, filters, strict=True):
        plain, _ = _walk(store, q, SearchFilters(), limit=50)
        orders = []
        for path in ("ranges", "full-scan"):
            with monkeypatch.context() as m:
                for name, value in PATHS[path].items():
                    m.setattr(sq, name, value)
                store._cache = type(store._cache)()
                orders.append(_walk(store, q, f, limit=6)[0])
        assert orders[0] == orders[1], (q, f)
        want = _brute(docs, q, f)
        assert orders[0] == [i for i in plain if i in want], (q, f)
        compared += bool(want)
    assert compared >= 15


def test_broad_text_lists_newest_first_on_both_paths(archive, monkeypatch):
    """A filtered query whose text's (estimated) archive-wide count exceeds FTS_FIRST_LIMIT lists
    newest first; below it, by BM25. The archive is smaller than the sample windows here, so the
    estimate is the exact count and the decision can be checked against brute force."""
    store, docs = archive
    q = '"通知"'
    n_text = len(_brute(docs, q, SearchFilters()))
    cities = sorted({d[3].city for d in docs.values() if d[3].city})
    f = next(
        SearchFilters(city=c) for c in cities if 5 < len(_brute(docs, q, SearchFilters(city=c))) < n_text
    )
    want = _brute(docs, q, f)
    for path in ("ranges", "full-scan"):
        for limit, newest_first in ((n_text - 1, True), (n_text, False)):
            with monkeypatch.context() as m:
                for name, value in PATHS[path].items():
                    m.setattr(sq, name, value)
                m.setattr(sq, "FTS_FIRST_LIMIT", limit)
                store._cache = type(store._cache)()
                seen, first = _walk(store, q, f, limit=5)
            assert set(seen) == want
            assert (
                seen == sorted(seen, reverse=True) and all(h.score == 0 for h in first.hits)
            ) == newest_first, (path, limit)


def test_text_estimate_from_sample_windows(archive, monkeypatch):
    """The estimate is the text's matches in the sample windows scaled to the archive; counted on
    the index per window or on the collected matches, the same number."""
    store, docs = archive
    conn = store._conn
    gen = store._generation(conn)
    fmap = store._facet_map(conn, gen)
    monkeypatch.setattr(sq, "SAMPLE_WINDOWS", 4)
    monkeypatch.setattr(sq, "SAMPLE_WIDTH", 30)
    windows, n = fmap.sample_windows(4, 30)
    assert n == 120 and len(windows) == 4
    for q in ('"人民政府"', '"通知"', '"的"', '"不存在的字符串"'):
        expr = sq.fts_positive(parse_query(q))
        want_ids = np.array(sorted(_brute(docs, q, SearchFilters())), dtype=np.int64)
        expect = count_in(want_ids, windows) * len(docs) / 120
        store._cache = type(store._cache)()
        assert store._text_estimate(conn, fmap, gen, expr, None) == expect
        store._cache = type(store._cache)()
        assert store._text_estimate(conn, fmap, gen, expr, want_ids[::-1].copy()) == expect


def test_facet_map_where_and_sample_windows(archive):
    store, docs = archive
    conn = store._conn
    fmap = store._facet_map(conn, store._generation(conn))
    assert fmap.ids.tolist() == sorted(docs)
    rng = random.Random(3)
    for f in _filters(docs, rng, 24):
        wanted = sq.coded_filters(f)
        expect = sorted(
            i for i, d in docs.items() if all(_facets_of(d[3])[k] == v for k, v in wanted.items())
        )
        assert fmap.where(wanted).tolist() == expect
    assert fmap.where({"city": "没有这个城市"}).tolist() == []
    windows, n = fmap.sample_windows(5, 10)
    inside = [i for i in docs if any(a <= i <= b for a, b in windows)]
    assert n == 50 and len(inside) == 50
    assert all(b1 < a2 for (_, b1), (a2, _) in zip(windows, windows[1:], strict=False))
    assert windows[0][0] == min(docs) and windows[-1][1] == max(docs)
    everything, n_all = fmap.sample_windows(10, len(docs))
    assert everything == [(min(docs), max(docs))] and n_all == len(docs)


@pytest.mark.parametrize("seed", range(30))
def test_id_ranges_and_count_in(seed):
    rng = random.Random(seed)
    ids = np.array(sorted(rng.sample(range(1, 400), rng.randrange(0, 120))), dtype=np.int64)
    gap = rng.choice([0, 0, 1, 3, 10])
    ranges = id_ranges(ids, gap)
    covered = [i for a, b in ranges for i in range(a, b + 1)]
    assert set(ids.tolist()) <= set(covered) and len(covered) == len(set(covered))
    assert all(a in set(ids.tolist()) and b in set(ids.tolist()) for a, b in ranges)
    assert all(a2 - b1 - 1 > gap for (_, b1), (a2, _) in zip(ranges, ranges[1:], strict=False))
    if gap == 0:
        assert len(covered) == len(ids)
    probe = [(a, a + rng.randrange(0, 30)) for a in sorted(rng.sample(range(0, 400), 5))]
    assert count_in(ids, probe) == sum(1 for i in ids.tolist() for a, b in probe if a <= i <= b)
