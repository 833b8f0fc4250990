"""The vectorized fold and index tokens are identical to the simple definitions.

The SQLite index is contentless: deleting a document recomputes its tokens and must produce exactly
the ones stored, also in archives written before the tokens were vectorized. So the fast functions
are checked against the plain reference below, on random Unicode (astral characters and lone
surrogates included) and on both sides of the length where the numpy path starts."""

from __future__ import annotations

import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from gongbao.store.common import index_columns
from gongbao.store.tokenize import VECTOR_MIN, bigram_index, chars_index, fold


def ref_code(ch: str) -> str:
    cp, s = ord(ch), ""
    for _ in range(4):
        cp, r = divmod(cp, 36)
        s = "0123456789abcdefghijklmnopqrstuvwxyz"[r] + s
    return s


def ref_bigrams(text: str) -> str:
    if not text:
        return ""
    codes = [ref_code(c) for c in text]
    return " ".join([a + b for a, b in zip(codes, codes[1:], strict=False)] + [codes[-1] + "zzzz"])


def ref_chars(text: str) -> str:
    return " ".join(sorted(ref_code(c) for c in set(text)))


def ref_fold(text: str) -> str:
    out = []
    for ch in text:
        f = unicodedata.normalize("NFKC", ch).casefold()
        out.append("".join(c for c in f if not (c.isspace() or unicodedata.category(c) in ("Cf", "Cc"))))
    return "".join(out)


ANY_CHAR = st.characters(codec=None, exclude_categories=())  # every code point, surrogates too
texts = st.one_of(
    st.text(ANY_CHAR, max_size=3 * VECTOR_MIN),
    st.text(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x4E40),
        min_size=VECTOR_MIN - 2,
        max_size=VECTOR_MIN + 2,
    ),  # BMP only, around the switch to numpy: the 16-bit sort path
    st.text(ANY_CHAR, min_size=VECTOR_MIN - 2, max_size=VECTOR_MIN + 2),
)


@settings(max_examples=500)
@given(texts)
@example("")
@example("中")
@example("a" * VECTOR_MIN)
@example("\U0010ffff" * VECTOR_MIN)
@example("\x00" + "\U00020000" * VECTOR_MIN + "\ud800")
def test_vectorized_tokens_equal_the_reference(text):
    assert bigram_index(text) == ref_bigrams(text)
    assert chars_index(text) == ref_chars(text)


@settings(max_examples=500)
@given(texts)
@example("")
@example("朔政办发（２０２０） 36 号\n" * VECTOR_MIN)  # dropped characters
@example("第㈠条ﬁ\u200b" * VECTOR_MIN)  # characters folding to several characters
@example("中" * VECTOR_MIN + "\U00020000")  # outside the BMP
@example("\ud800" * VECTOR_MIN)
def test_fold_equals_the_reference(text):
    assert fold(text) == ref_fold(text)


@given(
    st.text(ANY_CHAR, max_size=200),
    st.text(ANY_CHAR, max_size=3 * VECTOR_MIN),
    st.lists(st.text(ANY_CHAR, max_size=12), max_size=4),
)
def test_index_columns_equal_the_reference(title, body, refs):
    assert index_columns(title, body, refs) == (
        ref_bigrams(title),
        ref_bigrams(body),
        " ".join(r for r in map(ref_bigrams, refs) if r),
        ref_chars(title),
        ref_chars(body),
    )


def test_tokens_as_stored_in_existing_archives():
    """Pinned values, so that the reference and the fast path cannot drift together."""
    assert bigram_index("朔政办发") == "0kd00jzz 0jzz0gbi 0gbi0gk1 0gk1zzzz"
    assert chars_index("朔政办发") == "0gbi 0gk1 0jzz 0kd0"
    long = "朔政办发" * VECTOR_MIN
    assert bigram_index(long).startswith("0kd00jzz 0jzz0gbi 0gbi0gk1 0gk10kd0 ")
    assert bigram_index(long).endswith(" 0gk1zzzz")
    assert chars_index(long) == "0gbi 0gk1 0jzz 0kd0"
    assert bigram_index("\U0010ffff") == "nvnjzzzz"  # the largest code point still sorts below the sentinel
