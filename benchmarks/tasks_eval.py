"""Precision and recall of task extraction against the hand-checked answer keys.

    python benchmarks/tasks_eval.py [--verbose]

Keys: tests/data/tasks/*.json, one per document (sample file + 文号). Micro-averaged over
(line, role, unit) triples for units (role = lead | support; ``--loose`` ignores the role) and
over (line, deadline) pairs for deadlines, where a deadline is its ISO date, or kind + phrase when
it has no date. Extraction runs on the document as parse_issue segments it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEYS = ROOT / "tests" / "data" / "tasks"
SAMPLES = ROOT / "src" / "gongbao" / "data" / "samples"


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, gold: set[tuple], found: set[tuple], name: str) -> None:
        self.tp += len(gold & found)
        self.fp += len(found - gold)
        self.fn += len(gold - found)
        self.misses += [f"{name} missing {g}" for g in sorted(gold - found, key=str)]
        self.misses += [f"{name} extra   {f}" for f in sorted(found - gold, key=str)]

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def _deadline_key(date: str | None, kind: str | None, text: str | None) -> str | None:
    if date:
        return date
    if kind and text:
        return f"{kind}:{text}"
    return None


def _unit_pairs(tasks: Iterable[dict], loose: bool) -> set[tuple]:
    out: set[tuple] = set()
    for t in tasks:
        for role in ("lead", "support"):
            for unit in t[role]:
                out.add((t["line"], unit) if loose else (t["line"], role, unit))
    return out


def _deadline_pairs(tasks: Iterable[dict]) -> set[tuple]:
    out = set()
    for t in tasks:
        key = _deadline_key(t.get("deadline"), t.get("deadline_kind"), t.get("deadline_text"))
        if key:
            out.add((t["line"], key))
    return out


def extracted(sample: str, doc_number: str) -> list[dict]:
    """The extractor's tasks for one document, in the answer-key shape."""
    import gongbao
    from gongbao.extract.tasks import extract_tasks

    text = (SAMPLES / f"{sample}.txt").read_text(encoding="utf-8")
    issue = gongbao.parse_issue(text)
    lines = text.replace("\r\n", "\n").split("\n")
    doc = next((d for d in issue.documents if d.doc_number == doc_number), None)
    if doc is None:
        raise SystemExit(f"{sample}: document {doc_number} not found by parse_issue")
    return [
        {"line": t.line, "label": t.label, "lead": t.lead_units, "support": t.support_units,
         "deadline": t.deadline, "deadline_kind": t.deadline_kind, "deadline_text": t.deadline_text}
        for t in extract_tasks(doc, lines, city=issue.gazette.city)
    ]


def evaluate(loose: bool = False) -> tuple[Score, Score, Score, list[str]]:
    units, deadlines, items = Score(), Score(), Score()
    rows: list[str] = []
    for path in sorted(KEYS.glob("*.json")):
        key = json.loads(path.read_text(encoding="utf-8"))
        found = extracted(key["sample"], key["doc_number"])
        gold = key["tasks"]
        u, d, i = Score(), Score(), Score()
        u.add(_unit_pairs(gold, loose), _unit_pairs(found, loose), path.stem)
        d.add(_deadline_pairs(gold), _deadline_pairs(found), path.stem)
        i.add({t["line"] for t in gold}, {t["line"] for t in found}, path.stem)
        for total, part in ((units, u), (deadlines, d), (items, i)):
            total.tp += part.tp
            total.fp += part.fp
            total.fn += part.fn
            total.misses += part.misses
        rows.append(f"{path.stem:24} tasks {len(gold):3}/{len(found):3}  units P {u.precision:.3f} R {u.recall:.3f}"
                    f"  deadlines P {d.precision:.3f} R {d.recall:.3f}")
    return units, deadlines, items, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list every missing/extra pair")
    parser.add_argument("--loose", action="store_true", help="score units without their role")
    args = parser.parse_args(argv)
    units, deadlines, items, rows = evaluate(args.loose)
    print("\n".join(rows))
    print(f"{'all keys':24} items P {items.precision:.3f} R {items.recall:.3f}  (pairs: units {units.tp + units.fn},"
          f" deadlines {deadlines.tp + deadlines.fn})")
    print(f"units      P {units.precision:.3f}  R {units.recall:.3f}  (tp {units.tp}, fp {units.fp}, fn {units.fn})")
    print(f"deadlines  P {deadlines.precision:.3f}  R {deadlines.recall:.3f}"
          f"  (tp {deadlines.tp}, fp {deadlines.fp}, fn {deadlines.fn})")
    if args.verbose:
        print("\n".join(units.misses + deadlines.misses + items.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
