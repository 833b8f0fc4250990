"""The parser against the hand-made answer keys, scored by the project's scorer (tests/data/score.py,
a copy of the evaluation script). Thresholds are those of the parser issue."""

from __future__ import annotations

import importlib.util
import json

import pytest

from conftest import GOLD, SAMPLE_NAMES, SAMPLES
from gongbao import parse_issue

_spec = importlib.util.spec_from_file_location("gongbao_score", GOLD / "score.py")
score_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(score_module)


@pytest.fixture(scope="module", params=SAMPLE_NAMES)
def scored(request):
    name = request.param
    text = (SAMPLES / f"{name}.txt").read_text(encoding="utf-8")
    gold = json.loads((GOLD / f"{name}.json").read_text(encoding="utf-8"))
    # Round-trip through JSON exactly as `gongbao parse --json` prints it.
    pred = json.loads(json.dumps(parse_issue(text).to_dict(), ensure_ascii=False))
    return name, score_module.score(gold, pred, text.split("\n")), gold, pred


def test_overall_field_accuracy(scored):
    name, result, _, _ = scored
    misses = [m for m in result["misses"] if m[1] not in ("cites", "repeals", "personnel")]
    assert result["overall"] >= 0.97, (name, misses)


def test_segmentation_is_exact(scored):
    name, result, _, _ = scored
    assert result["segmentation"]["f1"] == 1.0, (name, result["segmentation"])


def test_cites(scored):
    name, result, _, _ = scored
    assert result["sets"]["cites"]["f1"] >= 0.95, (name, [m for m in result["misses"] if m[1] == "cites"])


def test_gazette_masthead(scored):
    name, result, _, _ = scored
    assert all(result["gazette"].values()), (name, result["gazette"])


def test_toc(scored):
    name, result, gold, pred = scored
    assert len(pred["toc"]) == len(gold["toc"])
    for key, value in result["toc"].items():
        assert value >= 0.95, (name, key, value)


def test_personnel_and_repeals(scored):
    name, result, _, _ = scored
    assert result["sets"]["personnel"]["f1"] >= 0.95, name
    assert result["sets"]["repeals"]["f1"] >= 0.9, (name, [m for m in result["misses"] if m[1] == "repeals"])
