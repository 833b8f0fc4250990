"""The search syntax and the text folding, without a database."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongbao.store import QueryError
from gongbao.store.query import MAX_QUERY_CHARS, looks_like_doc_number, matches_folded, parse_query
from gongbao.store.tokenize import bigram_tokens, fold, fold_with_offsets, query_tokens


def _groups(q):
    return [[t.folded for t in g] for g in q.groups]


def test_and_or_phrase_exclude():
    q = parse_query('外资 煤矿 OR 煤炭 "利用 外资" -废止')
    assert _groups(q) == [["外资"], ["煤矿", "煤炭"], ["利用外资"]]
    assert [t.folded for t in q.excluded] == ["废止"]


def test_or_pipe_and_fullwidth_quotes():
    q = parse_query("“营商 环境” | 外资")
    assert _groups(q) == [["营商环境", "外资"]]


def test_unbalanced_quote_takes_the_rest_as_phrase():
    assert _groups(parse_query('"利用 外资')) == [["利用外资"]]


def test_leading_or_and_dangling_minus_are_literal_or_ignored():
    assert _groups(parse_query("OR 外资")) == [["外资"]]
    assert _groups(parse_query("外资 -")) == [["外资"], ["-"]]


@pytest.mark.parametrize("raw", ["朔政办发[2020]36号", "朔政办发（2020）36号", "朔政办发〔2020〕36号",
                                 "朔政办发 [ 2020 ] 36 号", "朔政办发（２０２０）３６号"])
def test_doc_number_variants_fold_to_one_term(raw):
    q = parse_query(raw)
    assert len(q.groups) == 1 and len(q.groups[0]) == 1
    assert q.groups[0][0].doc_number == "朔政办发〔2020〕36号"
    assert looks_like_doc_number(raw)


def test_doc_number_can_be_excluded():
    q = parse_query("通知 -朔政办发[2020]36号")
    assert q.excluded[0].doc_number == "朔政办发〔2020〕36号"


def test_empty_queries():
    for raw in ["", "   ", "\u3000", None, '""', "OR"]:
        assert parse_query(raw).is_empty()


def test_too_long_and_too_many_terms_are_query_errors():
    with pytest.raises(QueryError, match="过长"):
        parse_query("政" * (MAX_QUERY_CHARS + 1))
    with pytest.raises(QueryError):
        parse_query(" ".join(f"词{i}" for i in range(100)))
    assert parse_query("政" * MAX_QUERY_CHARS).groups


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_or_gives_query_error(raw):
    try:
        q = parse_query(raw)
    except QueryError:
        return
    for t in q.positive_terms() + q.excluded:
        assert t.folded and t.folded == fold(t.folded)


def test_fold_removes_whitespace_and_folds_width_and_case():
    assert fold("朔州 经济\t开发区\n管委会") == "朔州经济开发区管委会"
    assert fold("ＡＢＣ（１）") == "abc(1)"
    assert fold("a\u200bb") == "ab"


def test_fold_with_offsets_points_back_into_the_original():
    text = "利用 外资（二）"
    folded, offsets = fold_with_offsets(text)
    assert folded == fold(text)
    for i, ch in enumerate(folded):
        assert fold(text[offsets[i]]).startswith(ch) or ch in fold(text[offsets[i]])


def _phrase_match(text: str, query: str) -> bool:
    """What the index does: consecutive query tokens at consecutive positions (or a prefix)."""
    toks = bigram_tokens(text)
    q, prefix = query_tokens(query)
    if prefix:
        return any(t.startswith(q[0]) for t in toks)
    return any(toks[i:i + len(q)] == q for i in range(len(toks) - len(q) + 1))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="政府发文号〔〕2019a ", min_size=1, max_size=30), st.data())
def test_bigram_phrases_are_exactly_substring_search(text, data):
    text = fold(text)
    if not text:
        return
    i = data.draw(st.integers(0, len(text) - 1))
    j = data.draw(st.integers(i + 1, len(text)))
    assert _phrase_match(text, text[i:j])
    other = fold(data.draw(st.text(alphabet="政府发文号〔〕2019a", min_size=1, max_size=5)))
    if other:
        assert _phrase_match(text, other) == (other in text)


def test_reference_semantics_of_doc_number_terms():
    q = parse_query("朔政办发[2020]36号")
    assert matches_folded(q, "", "", [fold("朔政办发〔2020〕36号")])
    assert matches_folded(q, "", fold("见朔政办发[2020]36号文件"), [])
    assert not matches_folded(q, "", fold("朔政办发〔2020〕361号"), [fold("朔政办发〔2020〕361号")])
