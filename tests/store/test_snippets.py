"""Snippets: a window around a match with the match highlighted, whatever the OCR did to the text."""

from hypothesis import given, settings
from hypothesis import strategies as st

from gongbao.store.common import make_snippet
from gongbao.store.tokenize import fold


def _highlighted(snippet: str, spans: list[tuple[int, int]]) -> list[str]:
    return [fold(snippet[s:e]) for s, e in spans]


def test_verbatim_match_is_centred_and_highlighted():
    text = "前言。" * 2000 + "推动对外投资高质量发展。" + "结语。" * 100
    snippet, spans = make_snippet(text, ["对外投资"])
    assert "对外投资" in _highlighted(snippet, spans)
    assert snippet.startswith("…") and snippet.endswith("…")


def test_match_across_a_line_wrap_space_and_full_width_digits():
    text = "无关内容。" * 500 + "有效期 ５ 年，对外 投资。"
    snippet, spans = make_snippet(text, ["有效期5年"])
    assert _highlighted(snippet, spans) == ["有效期5年"]
    snippet, spans = make_snippet(text, ["对外投资"])
    assert _highlighted(snippet, spans) == ["对外投资"]


def test_no_match_gives_the_start_of_the_text():
    snippet, spans = make_snippet("甲乙丙" * 100, ["丁戊"])
    assert spans == [] and snippet.startswith("甲乙丙")


_CHARS = st.sampled_from(list("对外投资人民政府 ５5年\n。，"))


@settings(max_examples=300, deadline=None)
@given(st.text(_CHARS, max_size=400), st.text(_CHARS, min_size=1, max_size=4))
def test_a_folded_match_is_always_highlighted_in_the_window(text, query):
    needle = fold(query)
    if not needle:
        return
    snippet, spans = make_snippet(text, [needle], width=60)
    if needle in fold(text.replace("\n", " ")):
        assert needle in _highlighted(snippet, spans)
    else:
        assert spans == []
