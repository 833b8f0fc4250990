"""Parser throughput on one core: parse the bundled samples repeatedly and print MB/s and docs/s.

    python benchmarks/parse_bench.py [--rounds 7] [--repeat 3]

Each round parses every sample ``--repeat`` times; the figure reported is the median over rounds
of (bytes parsed / seconds), with min and max, so a stray slow round does not decide it. Seconds
are the process's CPU time (one core, not disturbed by other load on the machine); wall-clock
throughput is printed beside it.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

from gongbao import parse_issue

SAMPLES = Path(__file__).resolve().parents[1] / "src" / "gongbao" / "data" / "samples"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    texts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))]
    size = sum(len(t.encode("utf-8")) for t in texts)
    docs = sum(len(parse_issue(t).documents) for t in texts)  # also the warm-up (imports, regexes)
    rates, wall_rates, per_issue, doc_rates = [], [], [], []
    for _ in range(args.rounds):
        t0, w0 = time.process_time(), time.perf_counter()
        for _ in range(args.repeat):
            for t in texts:
                parse_issue(t)
        dt, wall = time.process_time() - t0, time.perf_counter() - w0
        rates.append(size * args.repeat / dt / 1e6)
        wall_rates.append(size * args.repeat / wall / 1e6)
        per_issue.append(dt / (args.repeat * len(texts)) * 1000)
        doc_rates.append(docs * args.repeat / dt)
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, one process")
    print(f"input: {len(texts)} issues, {docs} documents, {size / 1e6:.2f} MB; "
          f"{args.rounds} rounds x {args.repeat} passes")
    print(f"parse throughput (CPU time, one core): median {statistics.median(rates):.2f} MB/s "
          f"(min {min(rates):.2f}, max {max(rates):.2f})")
    print(f"parse throughput (wall clock): median {statistics.median(wall_rates):.2f} MB/s")
    print(f"time per issue: median {statistics.median(per_issue):.1f} ms")
    doc_rate = statistics.median(doc_rates)
    print(f"documents (CPU time, one core): median {doc_rate:.0f} docs/s = {1000 / doc_rate:.2f} ms/document "
          f"(min {min(doc_rates):.0f}, max {max(doc_rates):.0f} docs/s)")


if __name__ == "__main__":
    main()
