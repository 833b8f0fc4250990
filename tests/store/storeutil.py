"""Helpers shared by the store tests."""

from __future__ import annotations


def random_substring(rng, title: str, body: str, lengths) -> str | None:
    """A substring of the title (one time in five) or the body, of a length drawn from ``lengths``;
    None when the text is too short or the draw would be query syntax (quotes, -, OR, |)."""
    src = title if rng.random() < 0.2 else body
    length = rng.choice(lengths)
    if len(src) <= length:
        return None
    i = rng.randrange(len(src) - length)
    q = src[i:i + length]
    if q.strip('"“”「」『』＂-－ ') != q or q in ("OR", "|"):
        return None
    return q
