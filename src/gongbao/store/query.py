"""The search syntax, parsed once and compiled by each backend.

- ``外资 营商环境``      both (AND); whitespace separates terms
- ``"利用 外资"``        a phrase: the quoted text as one term (spaces inside are ignored, like OCR
  line-wrap spaces); ASCII ``"``, ``“ ”`` and ``「 」`` all quote
- ``煤矿 OR 煤炭``       either (``OR`` or ``|``); OR binds tighter than AND: ``a b OR c`` = a AND (b OR c)
- ``-废止``              exclude documents containing it
- a 文号 (``朔政办发[2020]36号`` or any bracket/width/spacing variant) is recognized as one term and
  also matches the document bearing that number and documents citing it.

Every term is matched as a substring of the folded title or body (:func:`gongbao.store.tokenize.fold`).
Nothing in the syntax can reach the database engine unescaped: terms become index tokens. Input that
cannot be searched raises :class:`~gongbao.store.base.QueryError` with a message for the user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gongbao.extract.doc_number import DOC_NUMBER_RE, find_doc_numbers, normalize_doc_number
from gongbao.store.base import QueryError
from gongbao.store.tokenize import fold

MAX_QUERY_CHARS = 1000  # of the folded query
MAX_TERMS = 32

_QUOTES = {'"': '"', "“": "”", "”": "”", "「": "」", "『": "』", "＂": "＂"}
_SPACE = re.compile(r"\s")


@dataclass(frozen=True, slots=True)
class Term:
    """One searchable unit: ``folded`` is what must occur as a substring; for a 文号,
    ``doc_number`` is its canonical form (also matched against numbers and citations)."""

    text: str
    folded: str
    doc_number: str | None = None

    @property
    def doc_number_folded(self) -> str | None:
        return fold(self.doc_number) if self.doc_number else None

    def variants(self) -> list[str]:
        """Folded strings whose occurrence in the title/body satisfies the term."""
        out = [self.folded]
        dn = self.doc_number_folded
        if dn and dn not in out:
            out.append(dn)
        return out


@dataclass(slots=True)
class Query:
    """AND of ``groups`` (each an OR of terms), minus documents matching any of ``excluded``."""

    raw: str
    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not self.groups and not self.excluded

    def positive_terms(self) -> list[Term]:
        return [t for g in self.groups for t in g]

    def highlight_strings(self) -> list[str]:
        """Folded strings to highlight in snippets, longest first."""
        seen: dict[str, None] = {}
        for t in self.positive_terms():
            for v in t.variants():
                seen[v] = None
        return sorted(seen, key=len, reverse=True)

    def key(self) -> str:
        """A canonical text of the query (for cursors and caches)."""
        g = " ".join("(" + "|".join(t.folded + (f"#{t.doc_number}" if t.doc_number else "") for t in grp) + ")"
                     for grp in self.groups)
        x = " ".join("-" + t.folded for t in self.excluded)
        return f"{g} {x}".strip()


def looks_like_doc_number(text: str) -> bool:
    """True when the whole text is one 文号 (any bracket, width or spacing variant)."""
    text = text.strip()
    m = DOC_NUMBER_RE.search(text)
    return bool(m) and m.start() == 0 and m.end() == len(text)


def make_term(text: str) -> Term | None:
    folded = fold(text)
    if not folded:
        return None
    dn = None
    if looks_like_doc_number(text):
        spans = find_doc_numbers(text)
        dn = spans[0].normalized if spans else normalize_doc_number(text)
    return Term(text=text, folded=folded, doc_number=dn)


def parse_query(raw: str | None) -> Query:
    """Parse user search syntax. Never raises anything but :class:`QueryError`."""
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise QueryError("查询必须是文本 (query must be text)")
    if "\x00" in raw:
        raw = raw.replace("\x00", " ")
    if len(fold(raw)) > MAX_QUERY_CHARS:
        raise QueryError(f"查询过长：最多 {MAX_QUERY_CHARS} 个字符 (query too long: at most {MAX_QUERY_CHARS} characters)")

    # Protect 文号 (which may contain spaces and brackets) as single tokens.
    protected: list[str] = []

    def _protect(m: re.Match[str]) -> str:
        protected.append(m.group(0))
        return f"\x00{len(protected) - 1}\x00"

    text = DOC_NUMBER_RE.sub(_protect, raw)

    # Lex: (negated, quoted, text) tokens and OR markers.
    tokens: list[tuple[str, bool, str]] = []  # kind in {"term", "or"}, negated, text
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if _SPACE.match(ch):
            i += 1
            continue
        neg = False
        if ch in "-－" and i + 1 < n and not _SPACE.match(text[i + 1]):
            neg = True
            i += 1
            ch = text[i]
        if ch in _QUOTES:
            close = _QUOTES[ch]
            j = text.find(close, i + 1)
            if close == "”" and j < 0:
                j = text.find('"', i + 1)
            if j < 0:
                j = n  # unbalanced quote: the rest is the phrase
            tokens.append(("term", neg, text[i + 1:j]))
            i = j + 1
            continue
        j = i
        while j < n and not _SPACE.match(text[j]) and not (j > i and text[j] in _QUOTES):
            j += 1
        word = text[i:j]
        i = j
        if not neg and word in ("OR", "|", "｜"):
            tokens.append(("or", False, word))
        elif not neg and word in ("AND", "&", "+"):
            continue
        else:
            tokens.append(("term", neg, word))

    def _restore(s: str) -> str:
        return re.sub(r"\x00(\d+)\x00", lambda m: protected[int(m.group(1))], s)

    q = Query(raw=raw)
    pending_or = False
    for kind, neg, word in tokens:
        if kind == "or":
            pending_or = bool(q.groups)
            continue
        term = make_term(_restore(word))
        if term is None:
            continue
        if neg:
            q.excluded.append(term)
            pending_or = False
            continue
        if pending_or and q.groups:
            if term not in q.groups[-1]:
                q.groups[-1].append(term)
        elif [term] not in q.groups:
            q.groups.append([term])
        pending_or = False
    if len(q.positive_terms()) + len(q.excluded) > MAX_TERMS:
        raise QueryError(f"查询词过多：最多 {MAX_TERMS} 个 (too many terms: at most {MAX_TERMS})")
    return q


def matches_folded(q: Query, title: str, body: str, refs: list[str]) -> bool:
    """Reference semantics of a query on one document's folded title, body and 文号 refs
    (its own number and the numbers it cites). The backends must agree with this exactly."""

    def term_ok(t: Term) -> bool:
        for v in t.variants():
            if v in title or v in body:
                return True
        dn = t.doc_number_folded
        if dn is not None:
            return any(dn in r for r in refs)
        return False

    if any(term_ok(t) for t in q.excluded):
        return False
    return all(any(term_ok(t) for t in grp) for grp in q.groups)
