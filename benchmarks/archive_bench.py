"""Archive benchmark: ingest throughput and search latency on SQLite and PostgreSQL.

    python benchmarks/archive_bench.py                      # 10k and 100k documents, both backends
    python benchmarks/archive_bench.py --sizes 2000 --backends sqlite --queries 20   # quick run

What is measured
- e2e ingest: ``gongbao.ingest.ingest_paths`` over synthetic gazette files (``benchmarks/synth.py``):
  read + decode + parse (process pool, all cores) + store. Documents per second, wall clock.
- store ingest: building the 10k/100k archives. Issues are synthesized at the parsed level (the
  bundled samples parsed once, documents subset and moved to other cities/years/numbers, exactly the
  rewrite ``synth.py`` applies to text) and prepared (folding, tokens, JSON) in a process pool in
  chunks; the timed part is the single writer storing them in batches committed every second, as
  ``gongbao ingest`` does. This isolates the archive from the parser's speed (in ``gongbao ingest``
  the preparation runs in the parser workers).
- search: for each size and backend, p50/p95 of ``Store.search`` (limit 20, snippets on) over random
  queries drawn from the texts: 1, 2 and 4 Han characters and two-term AND queries; without
  filters/facets, with a city+year filter, and with all five facets counted. Single client, warm
  OS/page cache, but the store's result cache is cleared before every query (cold totals/facets).
  What stays is what a store builds once per write generation: on SQLite the in-memory facet map
  (facet codes of every document, ``gongbao.store.facetmap``), warmed by the first query.
- size: the SQLite file (+ WAL) after each size, in MB and KB per document.
PostgreSQL runs in its own throwaway cluster (``gongbao.store.pgcluster``) with fsync on.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import os
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth  # noqa: E402

from gongbao.store import SearchFilters, open_store  # noqa: E402
from gongbao.store.common import LRU, content_hash, prepare_issue  # noqa: E402

SEED = 20261122

# -- parsed-level synthesis (runs in workers) -------------------------------------------------------

_BASES: list = []
_ISSUES: list = []
_STEMS: list[str] = []


def _init() -> None:
    from gongbao.parse import parse_issue

    global _BASES, _ISSUES, _STEMS
    _BASES = synth.load_bases()
    _ISSUES = [parse_issue("\n".join(b.lines)) for b in _BASES]
    _STEMS = synth.city_stems(64, random.Random(SEED))


def _transform(obj, fn):
    if isinstance(obj, str):
        return fn(obj)
    if isinstance(obj, list):
        return [_transform(x, fn) for x in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            setattr(obj, f.name, _transform(getattr(obj, f.name), fn))
    return obj


def make_prepared(slot: int):
    rng = random.Random(SEED * 1000003 + slot)
    k = slot % len(_BASES)
    base, parsed = _BASES[k], _ISSUES[k]
    stem, year, number = synth.slot_identity(slot, _STEMS)
    issue = copy.deepcopy(parsed)
    issue.documents = [issue.documents[i] for i in synth.pick_documents(base, rng)]

    def fn(s: str) -> str:
        return synth.rewrite(s, base, stem, year, number)

    _transform(issue, fn)
    issue.gazette.year, issue.gazette.issue = year, number
    text = fn("\n".join(base.lines))
    return prepare_issue(issue, content_hash=content_hash(f"{slot}\n{text}"),
                         source_name=f"synthetic/{slot}.txt", source_text=text)


# -- queries ----------------------------------------------------------------------------------------


def make_queries(n: int) -> dict[str, list[str]]:
    from gongbao.store.tokenize import fold

    _init()
    rng = random.Random(SEED)
    texts = [fold(d.text) for iss in _ISSUES for d in iss.documents if d.text]

    def han(length: int) -> str:
        while True:
            t = rng.choice(texts)
            if len(t) <= length:
                continue
            i = rng.randrange(len(t) - length)
            s = t[i:i + length]
            if all("\u4e00" <= c <= "\u9fff" for c in s):
                return s

    return {
        "1-char": [han(1) for _ in range(n)],
        "2-char": [han(2) for _ in range(n)],
        "4-char": [han(4) for _ in range(n)],
        "multi-term": [f"{han(2)} {han(2)}" for _ in range(n)],
    }


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def cold(store) -> None:
    """Forget cached totals and facets of earlier queries; keep the archive-wide facet counts
    (computed once per write generation, like a materialized aggregate)."""
    cache = getattr(store, "_cache", None)
    if cache is None:
        return
    fresh = LRU()
    for k, v in list(cache._d.items()):
        if k[1] == "all-facets":
            fresh.put(k, v)
    store._cache = fresh


def bench_search(store, queries: dict[str, list[str]], rng: random.Random) -> list[dict]:
    cities = [f.value for f in store.search("", limit=1).facets["city"]]
    years = list(range(2000, 2025))
    for q in ["政府", "通知", "管理"]:  # warm-up
        store.search(q)
    rows = []
    for variant in ("plain", "filtered", "facets"):
        for kind, qs in queries.items():
            times, totals = [], []
            for q in qs:
                f = SearchFilters(city=rng.choice(cities), year=rng.choice(years)) if variant == "filtered" else None
                cold(store)
                t = time.perf_counter()
                r = store.search(q, f, limit=20, facets=(variant == "facets"))
                times.append((time.perf_counter() - t) * 1000)
                totals.append(r.total)
            rows.append({"variant": variant, "kind": kind, "p50_ms": statistics.median(times),
                         "p95_ms": pct(times, 95), "median_total": statistics.median(totals)})
    return rows


# -- ingest -------------------------------------------------------------------------------------------


def grow(store, pool: ProcessPoolExecutor, start_slot: int, have: int, target: int) -> tuple[int, int, float]:
    """Store synthetic issues until ``target`` documents; (next slot, docs added, writer seconds).

    Issues are made in chunks by the pool (untimed), then the single writer stores each chunk in
    batches committed every second, as ``gongbao ingest`` does (timed)."""
    slot, docs, writer = start_slot, have, 0.0
    while docs < target:
        n = min(60, max(4, int((target - docs) / 12) + 2))
        chunk = list(pool.map(make_prepared, range(slot, slot + n), chunksize=2))
        slot += n
        t = time.perf_counter()
        ctx = store.batch()
        ctx.__enter__()
        last_commit = time.monotonic()
        for p in chunk:
            store.store_prepared(p)
            docs += len(p.docs)
            if time.monotonic() - last_commit > 1.0:
                ctx.__exit__(None, None, None)
                ctx = store.batch()
                ctx.__enter__()
                last_commit = time.monotonic()
        ctx.__exit__(None, None, None)
        writer += time.perf_counter() - t
    return slot, docs - have, writer


def e2e_ingest(target, n_docs: int, workdir: Path) -> dict:
    from gongbao.ingest import ingest_paths

    corpus = workdir / f"files-{n_docs}"
    if not corpus.exists():
        synth.write_corpus(corpus, n_docs, seed=5)
    with open_store(target) as store:
        s = ingest_paths(store, [corpus])
    return {"docs": s.documents, "seconds": s.seconds, "docs_per_s": s.documents / s.seconds, "failed": s.failed}


def run_backend(name: str, url_for, sizes: list[int], queries, e2e_docs: int, workdir: Path) -> dict:
    out: dict = {"backend": name, "sizes": []}
    if e2e_docs:
        out["e2e"] = e2e_ingest(url_for("e2e"), e2e_docs, workdir)
        print(f"[{name}] e2e ingest (parse+store): {out['e2e']['docs_per_s']:.0f} docs/s "
              f"({out['e2e']['docs']} docs in {out['e2e']['seconds']:.1f} s)", flush=True)
    store = open_store(url_for("main"))
    rng = random.Random(SEED + 1)
    slot, have, writer = 0, 0, 0.0
    with ProcessPoolExecutor(os.cpu_count() or 2, initializer=_init) as pool:
        list(pool.map(int, range(8)))  # start workers before timing
        for size in sizes:
            slot, added, wr = grow(store, pool, slot, have, size)
            have += added
            writer += wr
            if name == "postgres":
                store._conn.execute("VACUUM ANALYZE")
            rows = bench_search(store, queries, rng)
            entry = {"docs": have, "store_docs_per_s": have / writer, "search": rows}
            if hasattr(store, "path"):
                entry["db_mb"] = sum(os.path.getsize(p) for p in Path(store.path).parent.glob(Path(store.path).name + "*")) / 1e6
            out["sizes"].append(entry)
            print(f"[{name}] {have} docs: store (prepared issues -> archive, one writer) "
                  f"{entry['store_docs_per_s']:.0f} docs/s; db {entry.get('db_mb', 0):.0f} MB "
                  f"({entry.get('db_mb', 0) * 1000 / have:.1f} KB/doc)", flush=True)
            for r in rows:
                print(f"    {r['variant']:9s} {r['kind']:10s} p50 {r['p50_ms']:7.1f} ms  p95 {r['p95_ms']:7.1f} ms"
                      f"  (median total {r['median_total']:.0f})", flush=True)
    store.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="gongbao archive benchmark")
    ap.add_argument("--sizes", default="10000,100000", help="archive sizes in documents (ascending)")
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--queries", type=int, default=40, help="queries per kind")
    ap.add_argument("--e2e-docs", type=int, default=2000, help="documents for the parse-included ingest run (0: skip)")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    ap.add_argument("--search-only", metavar="DB", default=None,
                    help="only measure search on an archive built before (a SQLite path or postgresql:// URL)")
    a = ap.parse_args(argv)
    if a.search_only:
        with open_store(a.search_only, create=False) as store:
            n = store.stats().documents
            print(f"[{a.search_only}] {n} docs", flush=True)
            for r in bench_search(store, make_queries(a.queries), random.Random(SEED + 1)):
                print(f"    {r['variant']:9s} {r['kind']:10s} p50 {r['p50_ms']:7.1f} ms  p95 {r['p95_ms']:7.1f} ms"
                      f"  (median total {r['median_total']:.0f})", flush=True)
        return 0
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the PostgreSQL cluster on kill
    sizes = sorted(int(s) for s in a.sizes.split(","))
    workdir = a.workdir or Path(tempfile.mkdtemp(prefix="gongbao-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    queries = make_queries(a.queries)
    results = []
    for backend in a.backends.split(","):
        if backend == "sqlite":
            results.append(run_backend("sqlite", lambda tag: str(workdir / f"{tag}.db"), sizes, queries,
                                       a.e2e_docs, workdir))
        elif backend == "postgres":
            from gongbao.store.pgcluster import TempCluster

            with TempCluster(fast=False, settings={"shared_buffers": "1GB", "work_mem": "64MB",
                                                   "max_wal_size": "4GB"}) as pg:
                results.append(run_backend("postgres", pg.create_database, sizes, queries, a.e2e_docs, workdir))
        else:
            raise SystemExit(f"unknown backend {backend!r}")
    if a.json:
        a.json.write_text(json.dumps(results, indent=1))
    print(f"(work files in {workdir})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
