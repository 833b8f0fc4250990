"""Exact recall: for many random queries drawn from the archived texts, the search total equals a
brute-force scan over the stored titles and bodies (folded the same way), on both backends."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from gongbao.ingest import ingest_paths
from gongbao.store import SearchFilters, open_store
from gongbao.store.query import matches_folded, parse_query
from gongbao.store.tokenize import fold

from .storeutil import random_substring

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "src" / "gongbao" / "data" / "samples"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    import synth

    out = tmp_path_factory.mktemp("corpus")
    synth.write_corpus(out, 250, seed=7)
    for p in SAMPLES.glob("*.txt"):
        (out / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    return out


@pytest.fixture(scope="session", params=BACKENDS)
def loaded(request, corpus_dir, tmp_path_factory, new_pg_db):
    url = str(tmp_path_factory.mktemp("recall") / "a.db") if request.param == "sqlite" else new_pg_db()
    store = open_store(url)
    summary = ingest_paths(store, [corpus_dir], workers=2)
    assert summary.failed == 0 and summary.documents > 200
    docs = []
    for ref in store.iter_matches(""):
        rec = store.get_document(ref.id)
        refs = [fold(r) for r in ([rec.doc_number] if rec.doc_number else []) + rec.fields["cites"]]
        docs.append((rec.id, fold(rec.title), fold(rec.text), refs, rec))
    yield store, docs
    store.close()


def _brute(docs, query: str, f: SearchFilters | None = None) -> set[int]:
    q = parse_query(query)
    out = set()
    for doc_id, title, body, refs, rec in docs:
        if f is not None:
            if f.city and rec.city != f.city or f.year and rec.gazette.get("year") != f.year:
                continue
        if q.is_empty() or matches_folded(q, title, body, refs):
            out.add(doc_id)
    return out


def _draws(docs, rng: random.Random, n: int) -> list[str]:
    queries = []
    for _ in range(n):
        _, title, body, refs, rec = rng.choice(docs)
        q = random_substring(rng, title, body, [1, 1, 2, 2, 3, 4, 5, 8])
        if q is None:
            continue
        queries.append(q)
    return queries


def test_exact_recall_random_substrings(loaded):
    store, docs = loaded
    rng = random.Random(12345)
    queries = _draws(docs, rng, 160) + ["煤", "的", "号", "〔", "(", "2020", "人民政府", "朔州", "不存在的字符串"]
    mismatches = []
    for q in queries:
        want = _brute(docs, f'"{q}"')
        got = store.search(f'"{q}"', limit=5, facets=False, snippets=False).total
        if got != len(want):
            mismatches.append((q, got, len(want)))
    assert not mismatches, mismatches[:10]


def test_exact_recall_doc_numbers_in_every_printed_variant(loaded):
    store, docs = loaded
    rng = random.Random(99)
    numbers = sorted({r.doc_number for *_, r in docs if r.doc_number} | {c for *_, r in docs for c in r.fields["cites"]})
    assert len(numbers) > 50
    for dn in rng.sample(numbers, 40):
        for variant in (dn, dn.replace("〔", "[").replace("〕", "]"), dn.replace("〔", "（").replace("〕", "）"),
                        dn.replace("〔", " (").replace("〕", ") ")):
            want = _brute(docs, variant)
            assert store.search(variant, limit=1, facets=False).total == len(want), variant
            assert len(want) >= 1


def test_exact_recall_boolean_combinations_and_filters(loaded):
    store, docs = loaded
    rng = random.Random(4242)
    words = [w for w in _draws(docs, rng, 200) if len(w) >= 2]
    cities = sorted({r.city for *_, r in docs if r.city})
    for i in range(40):
        a, b, c = rng.sample(words, 3)
        q = [f'"{a}" "{b}"', f'"{a}" OR "{b}"', f'"{a}" -"{b}"', f'"{a}" OR "{b}" -"{c}"', f'-"{a}"'][i % 5]
        f = SearchFilters(city=rng.choice(cities)) if i % 3 == 0 else None
        want = _brute(docs, q, f)
        r = store.search(q, f, limit=1000, facets=True)
        assert r.total == len(want), q
        assert {h.id for h in r.hits} == want
        if f is None and r.total:
            city_counts = {v.value: v.count for v in r.facets["city"]}
            assert city_counts == {
                c: sum(1 for d in docs if d[0] in want and d[4].city == c) for c in {d[4].city for d in docs if d[0] in want}
            }


_BY_ID: dict[int, dict] = {}


def _facet_counts(docs, want: set[int]) -> dict[str, dict]:
    from collections import Counter

    from gongbao.store.common import issuers_of

    out: dict[str, Counter] = {k: Counter() for k in ("city", "year", "section", "doc_type", "issuer")}
    for doc_id, *_, rec in docs:
        if doc_id not in want:
            continue
        for name, v in (("city", rec.city), ("year", rec.gazette.get("year")), ("section", rec.section),
                        ("doc_type", rec.doc_type)):
            if v is not None:
                out[name][v] += 1
        for i in set(issuers_of(rec.issuer)):
            out["issuer"][i] += 1
    return {k: dict(v) for k, v in out.items()}


def test_exact_totals_facets_and_pages_with_facet_filters(loaded, monkeypatch):
    """Text + city/year/section/doc_type filters (served from the in-memory facet map on SQLite):
    total, every facet's counts, and a cursor walk (newest-first mode) against brute force."""
    import gongbao.store.postgres as pg
    import gongbao.store.sqlite as sq

    store, docs = loaded
    rng = random.Random(99)
    recs = [d[4] for d in docs]
    words = _draws(docs, rng, 60)
    for i, q in enumerate(words[:30]):
        r0 = rng.choice(recs)
        f = [SearchFilters(city=r0.city), SearchFilters(city=r0.city, year=r0.gazette.get("year")),
             SearchFilters(section=r0.section), SearchFilters(doc_type=r0.doc_type, year=r0.gazette.get("year"))][i % 4]
        want = {d for d in _brute(docs, q) if _passes(docs, d, f)}
        r = store.search(q, f, limit=5, facets=True)
        assert r.total == len(want), (q, f)
        expect = _facet_counts(docs, want)
        got = {k: {v.value: v.count for v in vals} for k, vals in r.facets.items()}
        for name, counts in expect.items():
            if len(counts) <= 100:
                assert got[name] == counts, (q, f, name)
    monkeypatch.setattr(sq, "RANK_LIMIT", 0)
    monkeypatch.setattr(pg, "RANK_LIMIT", 0)
    for q in words[30:36]:
        f = SearchFilters(city=rng.choice(recs).city)
        want = {d for d in _brute(docs, q) if _passes(docs, d, f)}
        seen, cursor = [], None
        while True:
            r = store.search(q, f, limit=3, cursor=cursor, facets=False, snippets=False)
            seen += [h.id for h in r.hits]
            if r.next_cursor is None:
                break
            cursor = r.next_cursor
        assert len(seen) == len(set(seen)) and set(seen) == want, q
        assert seen == sorted(seen, reverse=True)


def _passes(docs, doc_id: int, f: SearchFilters) -> bool:
    by_id = _BY_ID.get(id(docs))
    if by_id is None:
        by_id = _BY_ID[id(docs)] = {d[0]: d[4] for d in docs}
    rec = by_id[doc_id]
    return all(
        want is None or got == want
        for want, got in ((f.city, rec.city), (f.year, rec.gazette.get("year")), (f.section, rec.section),
                          (f.doc_type, rec.doc_type))
    )
