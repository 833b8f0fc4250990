"""End-to-end ingest throughput into SQLite: what ``gongbao ingest DIR`` does, measured N times.

    python benchmarks/ingest_bench.py [--docs 3000] [--runs 5] [--workers N] [--corpus DIR]
                                      [--scheduler tcp://HOST:8786 | --scheduler local]

Writes a synthetic corpus (``benchmarks/synth.py``, seed 5; kept in ``--corpus`` when given), then
ingests it ``--runs`` times, each run in a fresh child process into a new SQLite file, the way the
CLI runs (fork-started parser workers, one writer). For each run it prints documents per second
(the ingest's own wall clock, from listing the files to the last commit) and the CPU time per
document of the writer process and of the parser workers (``getrusage``); then the median, min and
max. The CPU figures say how far a rate is from what the cores allow: on C cores, a pipeline using
T ms of CPU per document cannot go beyond C * 1000 / T documents per second.

``--scheduler``: parse on a dask cluster (``gongbao ingest --scheduler``); ``local`` starts one
here with a worker process per core. Then the workers' CPU is not in the figures (they are not
children of the run): the writer's is, and the rate.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

_CHILD = r"""
import json, resource, sys
from gongbao.ingest import ingest_paths
from gongbao.store import open_store
corpus, db, workers, scheduler = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
with open_store(db) as store:
    s = ingest_paths(store, [corpus], workers=int(workers) if workers != "auto" else None,
                     scheduler=scheduler or None)
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"docs": s.documents, "failed": s.failed, "seconds": s.seconds,
                  "writer_cpu": me.ru_utime + me.ru_stime, "workers_cpu": kids.ru_utime + kids.ru_stime}))
"""


def run_once(corpus: Path, workdir: Path, workers: str, k: int, scheduler: str = "") -> dict:
    db = workdir / f"run{k}.db"
    out = subprocess.run([sys.executable, "-c", _CHILD, str(corpus), str(db), workers, scheduler],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"ingest run {k} failed:\n{out.stderr}")
    for p in workdir.glob(f"run{k}.db*"):
        p.unlink()
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=3000, help="documents in the synthetic corpus")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--workers", default="auto", help="parser processes (default: one per core)")
    ap.add_argument("--corpus", type=Path, help="keep (or reuse) the corpus in this directory")
    ap.add_argument("--scheduler", default="", help="parse on this dask scheduler ('local': start one here)")
    a = ap.parse_args(argv)
    import contextlib

    import synth

    with contextlib.ExitStack() as stack:
        if a.scheduler == "local":
            from distributed import LocalCluster

            cluster = stack.enter_context(LocalCluster(
                n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True, dashboard_address=":0"))
            a.scheduler = cluster.scheduler_address
        return _bench(a, synth)


def _bench(a: argparse.Namespace, synth) -> int:
    with tempfile.TemporaryDirectory(prefix="gongbao-ingest-") as tmp:
        workdir = Path(tmp)
        corpus = a.corpus or workdir / "corpus"
        if not corpus.exists() or not any(corpus.glob("*.txt")):
            paths, n = synth.write_corpus(corpus, a.docs, seed=5)
            print(f"corpus: {len(paths)} files, {n} documents in {corpus}", flush=True)
        print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
              f"workers: {a.scheduler or a.workers}", flush=True)
        rates, totals = [], []
        for k in range(a.runs):
            r = run_once(corpus, workdir, a.workers, k, a.scheduler)
            n = r["docs"]
            rate = n / r["seconds"]
            w, p = r["writer_cpu"] / n * 1000, r["workers_cpu"] / n * 1000
            rates.append(rate)
            totals.append(w + p)
            print(f"run {k + 1}: {n} docs ({r['failed']} files failed) in {r['seconds']:.2f} s = {rate:.0f} docs/s; "
                  f"CPU per document: writer {w:.2f} ms + workers {p:.2f} ms = {w + p:.2f} ms", flush=True)
        print(f"e2e ingest: median {statistics.median(rates):.0f} docs/s (min {min(rates):.0f}, max {max(rates):.0f}) "
              f"over {a.runs} runs; CPU per document median {statistics.median(totals):.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
