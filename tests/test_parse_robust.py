"""parse_issue never crashes: odd, empty, hostile and mangled text gets a best-effort parse."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLE_NAMES, SAMPLES
from gongbao import parse_issue

# Text built from the characters that drive the parser's decisions.
_ALPHABET = st.sampled_from(list("关于通知的人民政府办公室朔政发办〔〕[]()（）【】2020年月日号第一二三、：:，。；\n\t #-*>此件公开发布附件目录"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ALPHABET, max_size=400).map("".join))
def test_never_crashes_on_gazette_like_noise(text):
    issue = parse_issue(text)
    for doc in issue.documents:
        assert 1 <= doc.start_line <= doc.end_line <= issue.line_count
    issue.to_dict()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_never_crashes_on_any_unicode(text):
    parse_issue(text).to_dict()


@pytest.mark.parametrize("text", ["", "\n\n\n", "\ufeff", "hello world", "x" * 200_000, "。" * 50_000,
                                  "朔政发〔2020〕26号\n" * 500, "\r\n".join(["目 录"] * 100)])
def test_odd_inputs_give_a_result_with_warnings(text):
    issue = parse_issue(text)
    if not issue.documents:
        assert any(w.code == "no_documents" for w in issue.warnings)


def test_crlf_and_bom_parse_like_lf(sample_texts):
    text = sample_texts[SAMPLE_NAMES[0]]
    plain = parse_issue(text).to_dict()
    windows = parse_issue("\ufeff" + text.replace("\n", "\r\n")).to_dict()
    assert [d["title"] for d in windows["documents"]] == [d["title"] for d in plain["documents"]]
    assert [d["start_line"] for d in windows["documents"]] == [d["start_line"] for d in plain["documents"]]


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_mangled_samples_do_not_crash(sample_texts, name):
    """Lines dropped, duplicated and shuffled locally: the parse degrades but never fails."""
    rng = random.Random(name)
    lines = sample_texts[name].split("\n")
    for _ in range(200):
        i = rng.randrange(len(lines))
        op = rng.random()
        if op < 0.4:
            del lines[i]
        elif op < 0.7:
            lines.insert(i, lines[i])
        else:
            j = min(len(lines) - 1, i + rng.randrange(1, 5))
            lines[i], lines[j] = lines[j], lines[i]
    issue = parse_issue("\n".join(lines))
    assert issue.documents  # most of the structure survives


def test_parse_is_pure(sample_texts):
    text = sample_texts[SAMPLE_NAMES[-1]]
    assert parse_issue(text).to_dict() == parse_issue(text).to_dict()


def test_to_dict_equals_dataclasses_asdict_on_every_bundled_issue() -> None:
    # models.plain replaces dataclasses.asdict for speed; it must give the same JSON form
    import dataclasses
    from pathlib import Path

    from gongbao.models import plain

    for path in [*sorted(SAMPLES.glob("*.txt")), *sorted((Path(__file__).parent / "data" / "variants").glob("*.txt"))]:
        issue = parse_issue(path.read_text(encoding="utf-8"))
        assert issue.to_dict() == dataclasses.asdict(issue)
        assert [plain(d) for d in issue.documents] == [dataclasses.asdict(d) for d in issue.documents]
