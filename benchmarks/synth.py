"""Synthetic gazette corpus: sample issues recombined under other cities, years and numbers.

Each synthetic issue takes one bundled sample issue, keeps its masthead and 目录, keeps a random
subset of its documents (in order), and rewrites the city (name and the one-character 文号 prefix),
the year (digits and Chinese numerals), the issue numbers and the 文号 serials, so that documents
are distinct, 文号 do not collide and facets have many values. Texts stay real gazette text, so
the parser, the index and the searches see realistic lengths and vocabulary.

    python benchmarks/synth.py OUT_DIR --docs 10000 [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "src" / "gongbao" / "data" / "samples"

# Fictional city stems are built from these characters (two per city).
_STEM_CHARS = "安宁和平兴盛昌明泰康嘉禾瑞丰永定长清远华荣德顺临江云峰望海青岚金川玉溪白河南屏北岭东阳西川"
_CN_DIGITS = "〇一二三四五六七八九"


@dataclass(slots=True)
class Base:
    name: str
    lines: list[str]
    head_end: int  # lines[:head_end] = masthead + 目录
    docs: list[tuple[int, int]]  # (start, end) 0-based, end exclusive
    city: str
    stem: str
    year: int


def load_bases() -> list[Base]:
    from gongbao.parse import parse_issue

    bases = []
    for path in sorted(SAMPLES.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        issue = parse_issue(text)
        g = issue.gazette
        if not issue.documents or not g.city or not g.year:
            continue
        lines = text.split("\n")
        docs = [(d.start_line - 1, d.end_line) for d in issue.documents]
        stem = g.city[:-1] if g.city.endswith(("市", "县", "区")) else g.city
        bases.append(Base(path.stem, lines, docs[0][0], docs, g.city, stem, g.year))
    if not bases:
        raise SystemExit("no usable samples: the parser found no documents")
    return bases


def _cn_year(year: int) -> str:
    return "".join(_CN_DIGITS[int(c)] for c in str(year))


def city_stems(n: int, rng: random.Random) -> list[str]:
    pairs = [a + b for a in _STEM_CHARS for b in _STEM_CHARS if a != b]
    rng.shuffle(pairs)
    firsts: set[str] = set()
    out = []
    for p in pairs:  # distinct first characters where possible (the 文号 prefix)
        if p[0] not in firsts or len(firsts) >= len(set(_STEM_CHARS)):
            firsts.add(p[0])
            out.append(p)
        if len(out) == n:
            break
    return out


def rewrite(text: str, base: Base, stem: str, year: int, number: int) -> str:
    """Move a text of ``base`` to another city (stem), year and issue number."""
    old_char, new_char = base.stem[0], stem[0]
    text = text.replace(base.stem, stem)
    text = re.sub(re.escape(old_char) + r"(?=[\u4e00-\u9fff]{0,6}\s*[〔\[(（【])", new_char, text)
    text = text.replace(str(base.year), str(year)).replace(_cn_year(base.year), _cn_year(year))
    text = re.sub(r"总\s*第\s*\d+\s*期", f"总第{(year - 1990) * 12 + number}期", text)
    text = re.sub(r"(?<!总)第\s*\d+\s*期", f"第{number}期", text)
    shift = 100 * number
    return re.sub(r"([〕\]）)】])\s*(\d{1,3})\s*号", lambda m: f"{m.group(1)}{int(m.group(2)) + shift}号", text)


def pick_documents(base: Base, rng: random.Random) -> list[int]:
    k = max(1, round(len(base.docs) * rng.uniform(0.6, 1.0)))
    return sorted(rng.sample(range(len(base.docs)), k))


def make_issue(base: Base, stem: str, year: int, number: int, rng: random.Random) -> tuple[str, int]:
    """The text of one synthetic issue and its number of documents."""
    chosen = pick_documents(base, rng)
    out = base.lines[:base.head_end]
    for i in chosen:
        s, e = base.docs[i]
        out.extend(base.lines[s:e])
    return rewrite("\n".join(out) + "\n", base, stem, year, number), len(chosen)


PER_CITY = 12 * 25  # issues per city: 25 years x 12 issues


def slot_identity(slot: int, stems: list[str]) -> tuple[str, int, int]:
    """(city stem, year, issue number) of the slot-th synthetic issue."""
    ci, rest = divmod(slot, PER_CITY)
    return stems[ci % len(stems)], 2000 + rest // 12, rest % 12 + 1


def generate(n_docs: int, seed: int = 1) -> Iterator[tuple[str, str, int]]:
    """(file name, text, documents) until about ``n_docs`` documents."""
    rng = random.Random(seed)
    bases = load_bases()
    stems = city_stems(64, rng)
    made = 0
    slot = 0
    while made < n_docs:
        stem, year, number = slot_identity(slot, stems)
        base = bases[slot % len(bases)]
        text, k = make_issue(base, stem, year, number, rng)
        made += k
        yield f"c{slot // PER_CITY:03d}-{year}-{number:02d}.txt", text, k
        slot += 1


def write_corpus(out: Path, n_docs: int, seed: int = 1) -> tuple[list[Path], int]:
    out.mkdir(parents=True, exist_ok=True)
    paths, docs = [], 0
    for name, text, k in generate(n_docs, seed):
        p = out / name
        p.write_text(text, encoding="utf-8")
        paths.append(p)
        docs += k
    return paths, docs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--docs", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    paths, docs = write_corpus(a.out, a.docs, a.seed)
    print(f"{len(paths)} issues, ~{docs} documents -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
