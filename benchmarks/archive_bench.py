"""Archive benchmark: ingest throughput and search latency on SQLite and PostgreSQL.

    python benchmarks/archive_bench.py                      # 10k and 100k documents, both backends
    python benchmarks/archive_bench.py --sizes 2000 --backends sqlite --queries 20   # quick run
    python benchmarks/archive_bench.py --backends postgres --sizes 10000,100000 --e2e-docs 0 \
        --pg-dir /tmp/g100k/pg --pg-copy-from 10000      # 10k stored, 100k bulk-built by copying
    python benchmarks/archive_bench.py --search-only /tmp/g100k/pg      # search again on that archive

What is measured
- e2e ingest: ``gongbao.ingest.ingest_paths`` over synthetic gazette files (``benchmarks/synth.py``):
  read + decode + parse (process pool, all cores) + store. Documents per second, wall clock.
- store ingest: building the 10k/100k archives. Issues are synthesized at the parsed level (the
  bundled samples parsed once, documents subset and moved to other cities/years/numbers, exactly the
  rewrite ``synth.py`` applies to text) and prepared (folding, tokens, JSON) in a process pool in
  chunks; the timed part is the single writer storing them, one transaction per chunk (at most 60
  issues) or per ``gongbao.ingest.MAX_BATCH_SECONDS``, close to the batches of a long
  ``gongbao ingest``. This isolates the archive from the parser's speed (in ``gongbao ingest``
  the preparation runs in the parser workers).
- search: for each size and backend, p50/p95 of ``Store.search`` (limit 20, snippets on) over random
  queries drawn from the texts: 1, 2 and 4 Han characters and two-term AND queries; without
  filters/facets, with a city+year filter, with all five facets counted, and with a year filter
  alone (a few thousand documents at 100k: "year"). Single client, warm
  OS/page cache, but the store's result cache is cleared before every query (cold totals/facets).
  What stays is what a store builds once per write generation: on SQLite the in-memory facet map
  (facet codes of every document, ``gongbao.store.facetmap``), warmed by the first query.
- size: the SQLite file (+ WAL) after each size, in MB and KB per document.
- cpu (PostgreSQL): CPU seconds per document of the writer process (Python) and of its server
  backend (from /proc, so only for the local cluster), over the same timed stores: on a shared
  machine the wall-clock rate depends on the other load, these do much less.

PostgreSQL runs in its own throwaway cluster (``gongbao.store.pgcluster``) with fsync on;
``--pg-dir DIR`` keeps that cluster in DIR (server stopped at exit, data kept): the archive, the
database ``main``, can be measured again with ``--search-only DIR``, and a later run with the same
``--pg-dir`` grows it to its ``--sizes`` instead of starting over.

Two ways to build a PostgreSQL archive, and the output says which one each size used:
- incremental (default): synthesized issues stored through ``Store.store_prepared``, the way
  ``gongbao ingest`` writes. Its "store" line is the write rate.
- ``--pg-copy-from N``: sizes above N documents are BULK-BUILT by copying the first N documents in
  SQL under the identities (city, year, issue number) later synthetic slots would get
  (``copy_grow``). Server CPU is ~13 ms per copied document, nearly all GIN maintenance, against
  ~12 ms (binary tsvector, lz4) plus ~4 ms of Python and ~10 ms of synthesis per stored one; it
  exists because a 100k incremental build took over an hour on the shared 2-core machine. Its line
  gives the copy time and no write rate; search figures at that size are measured on the copied
  archive. Loading without the GIN index and building it after is not cheaper (910 documents:
  7.2 s server CPU to insert without the index + 11.9 s CREATE INDEX, vs 16.1 s inserting with it).
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
PG_SETTINGS = {"shared_buffers": "1GB", "work_mem": "64MB", "max_wal_size": "4GB"}

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
    for variant in ("plain", "filtered", "facets", "year"):
        for kind, qs in queries.items():
            times, totals = [], []
            for q in qs:
                f = None
                if variant == "filtered":
                    f = SearchFilters(city=rng.choice(cities), year=rng.choice(years))
                elif variant == "year":
                    f = SearchFilters(year=rng.choice(years))
                cold(store)
                t = time.perf_counter()
                r = store.search(q, f, limit=20, facets=(variant == "facets"))
                times.append((time.perf_counter() - t) * 1000)
                totals.append(r.total)
            rows.append({"variant": variant, "kind": kind, "p50_ms": statistics.median(times),
                         "p95_ms": pct(times, 95), "median_total": statistics.median(totals)})
    return rows


# -- ingest -------------------------------------------------------------------------------------------


def _pid_cpu(pid: int) -> float | None:
    """CPU seconds used so far by a local process (from /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_cpu(store) -> float | None:
    """CPU seconds used so far by the store's PostgreSQL backend process (local server only)."""
    if getattr(store, "backend", None) != "postgresql":
        return None
    return _pid_cpu(store._conn.execute("SELECT pg_backend_pid()").fetchone()[0])


def grow(store, pool: ProcessPoolExecutor, start_slot: int, have: int, target: int) -> tuple[int, int, float, float]:
    """Store synthetic issues until ``target`` documents; (next slot, docs added, writer seconds,
    writer CPU seconds).

    Issues are made in chunks by the pool (untimed; the next chunk is made while the writer stores
    this one), then the single writer stores each chunk in one transaction, or more when it takes
    longer than ``MAX_BATCH_SECONDS`` (timed)."""
    from gongbao.ingest import MAX_BATCH_SECONDS

    slot, docs, writer, cpu = start_slot, have, 0.0, 0.0

    def submit(slot: int, docs: int):
        n = min(60, max(4, int((target - docs) / 12) + 2))
        return slot + n, pool.map(make_prepared, range(slot, slot + n), chunksize=2)

    slot, pending = submit(slot, docs)
    while docs < target:
        chunk = list(pending)
        after = docs + sum(len(p.docs) for p in chunk)
        slot, pending = submit(slot, after) if after < target else (slot, iter(()))
        t, c = time.perf_counter(), time.process_time()
        ctx = store.batch()
        ctx.__enter__()
        last_commit = time.monotonic()
        for p in chunk:
            store.store_prepared(p)
            docs += len(p.docs)
            if time.monotonic() - last_commit > MAX_BATCH_SECONDS:
                ctx.__exit__(None, None, None)
                ctx = store.batch()
                ctx.__enter__()
                last_commit = time.monotonic()
        ctx.__exit__(None, None, None)
        writer += time.perf_counter() - t
        cpu += time.process_time() - c
    return slot, docs - have, writer, cpu


def _copy_part(url: str, k: int, shift: int, part: int, parts: int) -> float | None:
    """One connection's share (issues with row number % parts == part) of copy k; its backend's CPU s."""
    import psycopg

    from gongbao.store.postgres import filter_lexeme_sql as lex

    with psycopg.connect(url, autocommit=True) as conn:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        c0 = _pid_cpu(pid)
        sub = f"(SELECT * FROM bench_copymap WHERE k = {k} AND part = {part})"
        with conn.transaction():
            conn.execute(
                "INSERT INTO issues(id, content_hash, ident, name, city, year, issue, total_issue, published,"
                " source_name, ingested_at, gazette, toc, warnings, line_count, parser_version, source_text)"
                " SELECT m.new_id, i.content_hash || '#copy' || m.k,"
                " CASE WHEN i.ident IS NOT NULL THEN replace(i.city, m.old_stem, m.stem) || '|' || m.year || '|'"
                " || m.number END, replace(i.name, m.old_stem, m.stem), replace(i.city, m.old_stem, m.stem),"
                " m.year, m.number, i.total_issue, i.published, 'copy' || m.k || '/' || i.source_name,"
                f" i.ingested_at, i.gazette, i.toc, i.warnings, i.line_count, i.parser_version, i.source_text"
                f" FROM issues i JOIN {sub} m ON m.old_id = i.id"
            )
            conn.execute(
                "INSERT INTO documents(id, issue_id, seq, title, doc_number, issuer, doc_type, section,"
                " signed_date, sort_date, city, year, refs, data, body, mtitle, mrefs, rtsv)"
                " SELECT d.id + %s, m.new_id, d.seq, d.title, d.doc_number, d.issuer, d.doc_type, d.section,"
                " d.signed_date, d.sort_date, replace(d.city, m.old_stem, m.stem),"
                " CASE WHEN d.year IS NOT NULL THEN m.year END, d.refs, d.data, d.body, d.mtitle,"
                f" d.mrefs, d.rtsv FROM documents d JOIN {sub} m ON m.old_id = d.issue_id",
                (shift,),
            )
            # the copy's city and year filter lexemes replace the original's (section, type, issuers stay)
            old = f"array_remove(ARRAY[{lex('city', 'd.city')}, {lex('year', 'd.year')}], NULL)"
            new = (f"array_remove(ARRAY[{lex('city', 'replace(d.city, m.old_stem, m.stem)')},"
                   f" {lex('year', 'CASE WHEN d.year IS NOT NULL THEN m.year END')}], NULL)")
            conn.execute(
                "INSERT INTO doc_search(id, quads, tsv, mtext)"
                f" SELECT s.id + %s, s.quads, ts_delete(s.tsv, {old}) || array_to_tsvector({new}), s.mtext"
                f" FROM doc_search s JOIN documents d ON d.id = s.id JOIN {sub} m ON m.old_id = d.issue_id",
                (shift,),
            )
            for table, cols in (("doc_issuers", "issuer"), ("citations", "seq, doc_number, title, raw, line, kind"),
                                ("personnel", "seq, person, action, position, line")):
                sel = ", ".join(f"x.{c.strip()}" for c in cols.split(","))
                conn.execute(
                    f"INSERT INTO {table}(doc_id, {cols}) SELECT x.doc_id + %s, {sel} FROM {table} x"
                    f" JOIN documents d ON d.id = x.doc_id JOIN {sub} m ON m.old_id = d.issue_id",
                    (shift,),
                )
        c1 = _pid_cpu(pid)
    return (c1 - c0) if c0 is not None and c1 is not None else None


def copy_grow(store, target: int, parts: int = 3) -> dict:
    """PostgreSQL only (``--pg-copy-from``): grow the archive to ``target`` documents by copying
    the issues already stored, in SQL, instead of synthesizing and storing new ones.

    Copy k of the issue synthesized for slot s gets the identity that slot s + k * (issues in the
    archive) would have had (city stem, year, issue number: ``synth.slot_identity``) in its
    metadata columns (issues' ident, name, city, year, issue; documents' city, year), so the city
    and year filters and facets see the same distribution as a fully synthesized archive. The texts,
    their tsvectors, 文号 and citations are copied verbatim (in a synthesized archive the city stem
    in the text would change too; the synthetic texts are all recombinations of the three bundled
    samples either way). The GIN indexes are maintained as rows are copied, by ``parts``
    connections in parallel (server CPU, ~13 ms per document, is nearly all GIN maintenance;
    dropping the index and building it after was measured at 14 ms). Returns {docs, seconds,
    server_cpu_s} of the copy (CPU summed over the copying backends)."""
    from concurrent.futures import ThreadPoolExecutor

    conn = store._conn
    t0, s0 = time.perf_counter(), _server_cpu(store)  # the store's backend merges the pending lists
    # the synthesized issues are the base; copies made before (source_name 'copy<k>/...') are kept
    base = conn.execute("SELECT id, source_name FROM issues WHERE source_name LIKE 'synthetic/%' ORDER BY id").fetchall()
    counts = dict(conn.execute(
        "SELECT issue_id, count(*) FROM documents WHERE issue_id <= %s GROUP BY issue_id", (base[-1][0],)
    ).fetchall())
    have = start = store.stats().documents
    max_issue = base[-1][0]
    max_doc = conn.execute("SELECT max(id) FROM documents WHERE issue_id <= %s", (max_issue,)).fetchone()[0]
    k = conn.execute("SELECT count(DISTINCT split_part(source_name, '/', 1)) FROM issues"
                     " WHERE source_name LIKE 'copy%%'").fetchone()[0]
    stems = synth.city_stems(64, random.Random(SEED))
    slots = {iid: int(src.removeprefix("synthetic/").removesuffix(".txt")) for iid, src in base}
    conn.execute("CREATE TABLE IF NOT EXISTS bench_copymap (k INTEGER, old_id BIGINT, new_id BIGINT, old_stem TEXT,"
                 " stem TEXT, year INTEGER, number INTEGER, part INTEGER, PRIMARY KEY (k, old_id))")
    server = 0.0
    with ThreadPoolExecutor(parts) as threads:
        while have < target:
            k += 1
            rows = []
            for i, (iid, _) in enumerate(base):
                if have >= target:
                    break
                old_stem = synth.slot_identity(slots[iid], stems)[0]
                stem, year, number = synth.slot_identity(slots[iid] + k * len(base), stems)
                rows.append((k, iid, iid + k * max_issue, old_stem, stem, year, number, i % parts))
                have += counts.get(iid, 0)
            with conn.cursor().copy("COPY bench_copymap FROM STDIN") as cp:
                for r in rows:
                    cp.write_row(r)
            for cpu in threads.map(lambda part, k=k: _copy_part(store.url, k, k * max_doc, part, parts), range(parts)):
                server += cpu if cpu is not None else float("nan")
            store._clean_pending()
            print(f"    copy {k}: {have} docs ({time.perf_counter() - t0:.0f} s)", flush=True)
    conn.execute("DROP TABLE bench_copymap")
    for table in ("issues", "documents"):
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    conn.execute("UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'generation'")
    s1 = _server_cpu(store)
    server += (s1 - s0) if s0 is not None and s1 is not None else float("nan")
    return {"docs": have - start, "seconds": time.perf_counter() - t0, "server_cpu_s": server}


def e2e_ingest(target, n_docs: int, workdir: Path) -> dict:
    from gongbao.ingest import ingest_paths

    corpus = workdir / f"files-{n_docs}"
    if not corpus.exists():
        synth.write_corpus(corpus, n_docs, seed=5)
    with open_store(target) as store:
        s = ingest_paths(store, [corpus])
    return {"docs": s.documents, "seconds": s.seconds, "docs_per_s": s.documents / s.seconds, "failed": s.failed}


def run_backend(name: str, url_for, sizes: list[int], queries, e2e_docs: int, workdir: Path,
                copy_from: int | None = None) -> dict:
    out: dict = {"backend": name, "sizes": []}
    if e2e_docs:
        out["e2e"] = e2e_ingest(url_for("e2e"), e2e_docs, workdir)
        print(f"[{name}] e2e ingest (parse+store): {out['e2e']['docs_per_s']:.0f} docs/s "
              f"({out['e2e']['docs']} docs in {out['e2e']['seconds']:.1f} s)", flush=True)
    store = open_store(url_for("main"))
    rng = random.Random(SEED + 1)
    # an archive kept by --pg-dir continues where it stopped (slots are stored in order, one issue each)
    slot, have = len(store.list_issues()), store.stats().documents
    if have:
        print(f"[{name}] continuing an archive of {have} docs ({slot} issues)", flush=True)
    writer, cpu, server = 0.0, 0.0, 0.0
    with ProcessPoolExecutor(os.cpu_count() or 2, initializer=_init) as pool:
        list(pool.map(int, range(8)))  # start workers before timing
        for size in sizes:
            if size <= have:
                continue
            if copy_from is not None and have >= copy_from:
                c = copy_grow(store, size)
                have += c["docs"]
                store._conn.execute("VACUUM ANALYZE")
                rows = bench_search(store, queries, rng)
                entry = {"docs": have, "method": f"SQL copies of the first {copy_from} docs",
                         "copy": c, "search": rows}
                entry["db_mb"] = store._conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 1e6
                out["sizes"].append(entry)
                print(f"[{name}] {have} docs: BULK-BUILT, not a write rate: {c['docs']} docs copied in SQL from the "
                      f"first {copy_from} stored docs (indexes maintained, 3 connections), {c['seconds']:.0f} s "
                      f"(server backend CPU {c['server_cpu_s']:.0f} s); db {entry['db_mb']:.0f} MB "
                      f"({entry['db_mb'] * 1000 / have:.1f} KB/doc). Search on that index:", flush=True)
                print_search(rows)
                continue
            s0 = _server_cpu(store)
            slot, added, wr, wcpu = grow(store, pool, slot, have, size)
            s1 = _server_cpu(store)
            stored = (out["sizes"][-1]["stored"] if out["sizes"] else 0) + added
            writer += wr
            cpu += wcpu
            server += (s1 - s0) if s0 is not None and s1 is not None else float("nan")
            have += added
            if name == "postgres":
                store._conn.execute("VACUUM ANALYZE")
            rows = bench_search(store, queries, rng)
            entry = {"docs": have, "stored": stored, "store_docs_per_s": stored / writer,
                     "writer_cpu_ms_per_doc": cpu * 1000 / stored, "search": rows}
            if name == "postgres":
                entry["server_cpu_ms_per_doc"] = server * 1000 / stored
            if hasattr(store, "path"):
                entry["db_mb"] = sum(os.path.getsize(p) for p in Path(store.path).parent.glob(Path(store.path).name + "*")) / 1e6
            else:
                entry["db_mb"] = store._conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 1e6
            out["sizes"].append(entry)
            print(f"[{name}] {have} docs: store (prepared issues -> archive, one writer, incremental) "
                  f"{entry['store_docs_per_s']:.0f} docs/s (cumulative over {stored} docs, wall clock); cpu per doc:"
                  f" writer {entry['writer_cpu_ms_per_doc']:.1f} ms"
                  + (f", server backend {entry['server_cpu_ms_per_doc']:.1f} ms" if name == "postgres" else "")
                  + f"; db {entry['db_mb']:.0f} MB ({entry['db_mb'] * 1000 / have:.1f} KB/doc)", flush=True)
            print_search(rows)
    store.close()
    return out


def print_search(rows: list[dict]) -> None:
    for r in rows:
        print(f"    {r['variant']:9s} {r['kind']:10s} p50 {r['p50_ms']:7.1f} ms  p95 {r['p95_ms']:7.1f} ms"
              f"  (median total {r['median_total']:.0f})", flush=True)


def search_only(db: str, n_queries: int) -> None:
    with open_store(db, create=False) as store:
        n = store.stats().documents
        print(f"[{store.location}] {n} docs", flush=True)
        print_search(bench_search(store, make_queries(n_queries), random.Random(SEED + 1)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="gongbao archive benchmark")
    ap.add_argument("--sizes", default="10000,100000", help="archive sizes in documents (ascending)")
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--queries", type=int, default=40, help="queries per kind")
    ap.add_argument("--e2e-docs", type=int, default=2000, help="documents for the parse-included ingest run (0: skip)")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    ap.add_argument("--search-only", metavar="DB", default=None,
                    help="only measure search on an archive built before: a SQLite path, a postgresql:// URL,"
                    " or a cluster directory kept by --pg-dir (started, measured, stopped)")
    ap.add_argument("--pg-dir", type=Path, default=None,
                    help="keep the PostgreSQL cluster in this directory (database 'main'), for --search-only;"
                    " a directory kept before is reused and its archive grown to the next --sizes")
    ap.add_argument("--pg-copy-from", type=int, default=None, metavar="N",
                    help="PostgreSQL sizes above N documents are bulk-built: the stored documents copied in SQL"
                    " (search figures only, no write rate; see copy_grow)")
    a = ap.parse_args(argv)
    from gongbao.store.pgcluster import TempCluster

    if a.search_only:
        if TempCluster.is_cluster_dir(a.search_only):
            with TempCluster(fast=False, settings=PG_SETTINGS, path=a.search_only) as pg:
                search_only(pg.url("main"), a.queries)
        else:
            search_only(a.search_only, a.queries)
        return 0
    if a.pg_dir is not None and a.pg_dir.exists() and any(a.pg_dir.iterdir()) and not TempCluster.is_cluster_dir(a.pg_dir):
        raise SystemExit(f"--pg-dir {a.pg_dir}: not empty and not a kept cluster")
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
            with TempCluster(fast=False, settings=PG_SETTINGS, path=a.pg_dir) as pg:
                if a.pg_dir is not None:
                    print(f"[postgres] cluster kept in {a.pg_dir}; archive: {pg.url('main')} while this runs,"
                          f" later: --search-only {a.pg_dir}", flush=True)
                kept = a.pg_dir is not None and pg.has_database("main")
                results.append(run_backend("postgres", lambda tag, kept=kept: pg.url(tag) if kept and tag == "main"
                                           else pg.create_database(tag), sizes, queries, a.e2e_docs, workdir,
                                           a.pg_copy_from))
        else:
            raise SystemExit(f"unknown backend {backend!r}")
    if a.json:
        a.json.write_text(json.dumps(results, indent=1))
    print(f"(work files in {workdir})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
