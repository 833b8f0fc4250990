"""PostgreSQL writes: the binary tsvector the store sends is the tsvector its text form gives, and
storing through it keeps exact recall (the recall tests of test_postgres_schema use the same path)."""

from __future__ import annotations

import pytest

from gongbao.parse import parse_issue
from gongbao.store import open_store
from gongbao.store.common import prepare_issue
from gongbao.store.postgres import TsVector, doc_lexemes

pytestmark = pytest.mark.postgres


def test_binary_tsvector_equals_text_form(new_pg_db, sample_paths):
    store = open_store(new_pg_db())
    try:
        conn = store._conn
        issue = parse_issue(sample_paths[0].read_text(encoding="utf-8"))
        p = prepare_issue(issue, content_hash="x", source_name="x")
        cases = [set(), {"0000"}, {"zzzzzzzz", "0000", "00000000", "0000000000000000"}]
        for d in p.docs:
            cases.append(doc_lexemes(d.title_tokens(), d.body_tokens(), len(d.ftitle) + len(d.fbody))[0])
        assert max(len(c) for c in cases) > 1000
        for lex in cases:
            text = " ".join(sorted(lex))
            same, n = conn.execute(
                "SELECT %s::tsvector = %s::tsvector, length(%s::tsvector)", (TsVector(lex), text, TsVector(lex))
            ).fetchone()
            assert same and n == len(lex)
    finally:
        store.close()
