"""Shared fixtures: paths of the bundled samples and their answer keys."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "src" / "gongbao" / "data" / "samples"
GOLD = ROOT / "tests" / "data"
SAMPLE_NAMES = sorted(p.stem for p in SAMPLES.glob("*.txt"))


@pytest.fixture(scope="session")
def sample_texts() -> dict[str, str]:
    return {name: (SAMPLES / f"{name}.txt").read_text(encoding="utf-8") for name in SAMPLE_NAMES}
