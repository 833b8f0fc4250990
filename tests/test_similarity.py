"""Near-duplicates and alignment (analysis/similarity.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gongbao
from gongbao.analysis.similarity import align, clean_text, jaccard, near_duplicates, sentences, shingles


@pytest.fixture(scope="module")
def doc_texts(sample_texts: dict[str, str]) -> dict[str, str]:
    out = {}
    for name, text in sample_texts.items():
        lines = text.split("\n")
        for doc in gongbao.parse_issue(text).documents:
            out[f"{name}:{doc.doc_number}"] = "\n".join(lines[doc.start_line - 1:doc.end_line])
    return out


def test_reprinted_document_is_found_with_high_similarity(doc_texts: dict[str, str]) -> None:
    # the same 26号 text re-wrapped with other line breaks and spaces, plus one changed measure
    original = doc_texts["shuozhou-2020-03:朔政发〔2020〕26号"]
    reprint = original.replace("\n", " ").replace("市促投局", "市促进外来投资局")
    docs = dict(doc_texts)
    docs["reprint"] = reprint
    pairs = near_duplicates(docs, threshold=0.7)
    assert [(p.a, p.b) for p in pairs] == [("reprint", "shuozhou-2020-03:朔政发〔2020〕26号")]
    assert pairs[0].jaccard > 0.85


def test_unrelated_documents_are_not_pairs(doc_texts: dict[str, str]) -> None:
    assert near_duplicates(doc_texts, threshold=0.6) == []


def test_parallel_policies_across_cities_share_more_than_unrelated_ones(doc_texts: dict[str, str]) -> None:
    # 加快促进服务业恢复稳定增长若干措施: Shuozhou 39号 and Yangquan 85号 implement the same provincial text
    parallel = jaccard(doc_texts["shuozhou-2020-03:朔政办发〔2020〕39号"], doc_texts["yangquan-2020-04:阳政办发〔2020〕85号"])
    unrelated = jaccard(doc_texts["shuozhou-2020-03:朔政办发〔2020〕39号"], doc_texts["yangquan-2020-04:阳政办发〔2020〕79号"])
    assert parallel > 0.2 > unrelated


def test_align_marks_changed_sentences_and_ignores_punctuation() -> None:
    a = "一、总体要求。 各县区要落实责任,按月报送。到2020年底完成。"
    b = "一、总体要求。各县区要落实责任，按月报送。到2021年底完成。新增一条措施。"
    segments = align(a, b)
    assert [(s.op, s.a_start, s.a_end, s.b_start, s.b_end) for s in segments] == [
        ("equal", 0, 2, 0, 2), ("replace", 2, 3, 2, 4)]
    assert "，" in segments[0].b and "," in segments[0].a  # printed text is given back as printed
    assert segments[1].a == "到2020年底完成。" and segments[1].b == "到2021年底完成。新增一条措施。"


def test_align_of_identical_texts_is_one_equal_segment() -> None:
    text = "甲。乙。丙。"
    assert [(s.op, s.a, s.b) for s in align(text, text)] == [("equal", text, text)]


def test_threshold_is_validated() -> None:
    with pytest.raises(ValueError):
        near_duplicates({}, threshold=0)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=120), st.text(max_size=120))
def test_alignment_covers_both_texts(a: str, b: str) -> None:
    segments = align(a, b)
    assert "".join(s.a for s in segments) == "".join(sentences(a))
    assert "".join(s.b for s in segments) == "".join(sentences(b))
    assert all(s.op in ("equal", "replace", "insert", "delete") for s in segments)
    assert 0.0 <= jaccard(a, b) <= 1.0
    assert jaccard(a, a) == 1.0
    assert all(len(sh) <= 4 for sh in shingles(a))
    assert clean_text(clean_text(a)) == clean_text(a)


# -- near-duplicates across cities over a real archive (gongbao.obligations) -------------------
@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from gongbao.ingest import ingest_paths
    from gongbao.store import open_store

    samples = Path(gongbao.__file__).parent / "data" / "samples"
    store = open_store(tmp_path_factory.mktemp("sim") / "archive.db")
    assert ingest_paths(store, [samples], workers=1).failed == 0
    yield store
    store.close()


def _check_pairs(pairs: list[dict], ix) -> None:  # type: ignore[no-untyped-def]
    from gongbao.obligations import MIN_SIMILARITY

    scores = [p["jaccard"] for p in pairs]
    assert pairs and scores == sorted(scores, reverse=True) and min(scores) >= MIN_SIMILARITY
    for p in pairs:
        a, b = p["a"]["id"], p["b"]["id"]
        assert a < b and ix.docs[a].city != ix.docs[b].city
        # what the pair shares is what both documents cite
        cites_a = {e.target for e in ix.out_edges.get(a, ())}
        cites_b = {e.target for e in ix.out_edges.get(b, ())}
        assert set(p["shared_citations"]) == cites_a & cites_b
        # each side lists the other among its similar documents, with the same score
        for me, other in ((a, b), (b, a)):
            hit = next(s for s in ix.similar_to(me, 50) if s["other"]["id"] == other)
            assert hit["jaccard"] == p["jaccard"]


def test_similar_pairs_minhash_and_exact(sample_store) -> None:  # type: ignore[no-untyped-def]
    from gongbao.obligations import ObligationIndex

    small = ObligationIndex.build(sample_store)
    pairs = small.similar_pairs()
    _check_pairs(pairs, small)
    assert {p["method"] for p in pairs} <= {"minhash", "exact"}
    # pairs citing a common 文号 are among them (the samples' two cities implement the same 国办发 text)
    cited = [p for p in pairs if p["shared_citations"]]
    assert cited

    # An archive over the signing limit compares only documents citing the same 文号, exactly.
    large = ObligationIndex.build(sample_store)
    large.sign_all_limit = 1
    exact = large.similar_pairs()
    _check_pairs(exact, large)
    assert {p["method"] for p in exact} == {"exact"} and all(p["shared_citations"] for p in exact)
    texts = {i: sample_store.get_document(i).text for p in exact for i in (p["a"]["id"], p["b"]["id"])}
    for p in exact:
        assert p["jaccard"] == round(jaccard(texts[p["a"]["id"]], texts[p["b"]["id"]]), 3)
    assert {(p["a"]["id"], p["b"]["id"]) for p in cited} <= {(p["a"]["id"], p["b"]["id"]) for p in exact}


def test_similar_filters_and_validation(sample_store) -> None:  # type: ignore[no-untyped-def]
    from gongbao.obligations import ObligationIndex

    ix = ObligationIndex.build(sample_store)
    every = ix.similar(0.15, 1000)
    top = every[0]["jaccard"]
    assert ix.similar(top, 1000) == [p for p in every if p["jaccard"] >= top]
    city = every[0]["a"]["city"]
    assert all(city in (p["a"]["city"], p["b"]["city"]) for p in ix.similar(0.15, 1000, city))
    assert len(ix.similar(0.15, 1)) == 1
    for bad in (0.0, 0.1, 1.01, float("nan")):
        with pytest.raises(ValueError):
            ix.similar(bad)
    assert ix.similar_to(10**12) is None and ix.links(10**12) is None
