"""Bounded load generator for ``GET /api/search``: N concurrent keep-alive clients for D seconds.

    python benchmarks/load_bench.py                       # own server on the bundled samples, 20 x 30 s
    python benchmarks/load_bench.py --db big.db --server-workers 2
    python benchmarks/load_bench.py --url http://127.0.0.1:8000 --duration 10 --concurrency 50

Without ``--url`` it starts ``uvicorn`` (a child process, loopback, free port) over ``--db`` or, by
default, over a temporary archive built from the bundled sample gazettes. Queries are 1-, 2- and
4-character substrings of stored titles, two-term queries and filtered queries, taken from the
archive itself before the clock starts. It prints requests/s, latency percentiles and the error
count; the exit status is 1 when any request failed (an error is a transport failure or any
status other than 200).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "src" / "gongbao" / "data" / "samples"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _build_sample_archive(db: Path) -> None:
    from gongbao.ingest import ingest_paths
    from gongbao.store import open_store

    with open_store(db) as store:
        summary = ingest_paths(store, [SAMPLES])
    print(f"archive: {summary.added} issues, {summary.documents} documents from {SAMPLES}", file=sys.stderr)


def _start_server(db: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "GONGBAO_DB": db}
    env.pop("GONGBAO_ADMIN_TOKEN", None)
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "gongbao.web.app:app_from_env", "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning", "--no-access-log", "--workers", str(workers)]
    proc = subprocess.Popen(cmd, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start within 60 s")


def _queries(url: str, n: int, seed: int) -> list[dict[str, str]]:
    """A mix of searches drawn from the archive: 1/2/4-character terms, two terms, filtered."""
    r = httpx.get(url + "/api/search", params={"limit": 200}, timeout=60)
    r.raise_for_status()
    data = r.json()
    titles = [h["title"] for h in data["hits"] if h["title"]]
    if not titles:
        raise SystemExit("the archive is empty: nothing to search")
    cities = [f["value"] for f in data["facets"].get("city", [])]
    rng = random.Random(seed)

    def cut(size: int) -> str:
        t = rng.choice(titles)
        i = rng.randrange(0, max(1, len(t) - size + 1))
        return t[i:i + size]

    out: list[dict[str, str]] = []
    for i in range(n):
        kind = i % 6
        if kind in (0, 1, 2):
            out.append({"q": cut((1, 2, 4)[kind])})
        elif kind == 3:
            out.append({"q": f"{cut(2)} {cut(2)}"})
        elif kind == 4 and cities:
            out.append({"q": cut(2), "city": rng.choice(cities)})
        else:
            out.append({"q": cut(3), "facets": "false"})
    return out


async def _run(url: str, queries: list[dict[str, str]], concurrency: int, duration: float,
               warmup: float, limit: int) -> dict[str, object]:
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        start = time.perf_counter()
        measure_from = start + warmup
        stop = measure_from + duration

        async def worker(k: int) -> None:
            i = k
            while True:
                now = time.perf_counter()
                if now >= stop:
                    return
                params = {**queries[i % len(queries)], "limit": str(limit)}
                i += concurrency
                t0 = time.perf_counter()
                try:
                    r = await client.get("/api/search", params=params)
                    ok = r.status_code == 200
                    if not ok:
                        err = f"HTTP {r.status_code}"
                except httpx.HTTPError as exc:
                    ok, err = False, type(exc).__name__
                t1 = time.perf_counter()
                if t0 >= measure_from and t1 <= stop:
                    if ok:
                        latencies.append(t1 - t0)
                    else:
                        errors[err] += 1

        await asyncio.gather(*(worker(k) for k in range(concurrency)))
    latencies.sort()

    def pct(p: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    n_err = sum(errors.values())
    return {
        "concurrency": concurrency, "duration_s": duration, "requests": len(latencies) + n_err,
        "requests_per_s": round((len(latencies) + n_err) / duration, 1),
        "p50_ms": round(pct(50), 1), "p95_ms": round(pct(95), 1), "p99_ms": round(pct(99), 1),
        "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
        "errors": n_err, "error_kinds": dict(errors),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", help="an already running server (default: start one)")
    ap.add_argument("--db", help="archive for the started server (default: a temp archive of the samples)")
    ap.add_argument("--server-workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    ap.add_argument("--concurrency", "-c", type=int, default=20, help="concurrent clients (default 20)")
    ap.add_argument("--duration", "-d", type=float, default=30.0, help="measured seconds (default 30)")
    ap.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds first (default 2)")
    ap.add_argument("--limit", type=int, default=20, help="hits per search (default 20)")
    ap.add_argument("--queries", type=int, default=600, help="distinct queries in the mix (default 600)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args(argv)
    if args.concurrency < 1 or args.duration <= 0 or args.concurrency > 1000 or args.duration > 3600:
        ap.error("--concurrency must be 1..1000 and --duration 0..3600 s")

    proc = None
    tmp = None
    try:
        url = args.url
        if not url:
            db = args.db
            if not db:
                tmp = tempfile.TemporaryDirectory(prefix="gongbao-load-")
                db = str(Path(tmp.name) / "archive.db")
                _build_sample_archive(Path(db))
            proc, url = _start_server(db, args.server_workers)
        queries = _queries(url.rstrip("/"), args.queries, args.seed)
        print(f"load: {args.concurrency} clients x {args.duration:g} s (+{args.warmup:g} s warm-up) "
              f"against {url}/api/search, {len(queries)} queries", file=sys.stderr)
        result = asyncio.run(_run(url.rstrip("/"), queries, args.concurrency, args.duration, args.warmup,
                                  args.limit))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if tmp is not None:
            tmp.cleanup()
    result["server_workers"] = args.server_workers if not args.url else None
    result["cpus"] = os.cpu_count()
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print(f"requests      {result['requests']} in {args.duration:g} s with {args.concurrency} clients")
        print(f"throughput    {result['requests_per_s']} requests/s")
        print(f"latency (ms)  p50 {result['p50_ms']}  p95 {result['p95_ms']}  p99 {result['p99_ms']}  "
              f"max {result['max_ms']}")
        print(f"errors        {result['errors']}" + (f"  {result['error_kinds']}" if result["errors"] else ""))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
