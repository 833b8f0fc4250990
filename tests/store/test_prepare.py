"""Preparing an issue's rows: the stored JSON is what the json module makes of the models (orjson
writes it faster, and must write the same), and the lean form an ingest worker sends to the SQLite
writer (``keep_texts=False``) stores exactly what the full form stores."""

from __future__ import annotations

import dataclasses
import json
import sys
import zlib
from pathlib import Path

import pytest

from gongbao.models import Document, Gazette, Issue, Paragraph, TocEntry
from gongbao.parse import parse_issue
from gongbao.store import open_store
from gongbao.store.common import content_hash, decompress_text, model_json, prepare_issue

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "src" / "gongbao" / "data" / "samples").glob("*.txt"))


def ref_dumps(obj) -> str:
    """The stored JSON as defined before orjson: the json module on dataclasses.asdict."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def ref_doc_json(doc: Document, fallback_body: list[dict] | None = None) -> tuple[str, str]:
    data = dataclasses.asdict(doc)
    body = data.pop("body") or fallback_body
    return ref_dumps(data), ref_dumps(body)


def synthetic_texts(n_docs: int) -> list[str]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synth

    return [text for _, text, _ in synth.generate(n_docs, seed=5)]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in SAMPLES] + synthetic_texts(150)


def test_json_is_the_json_modules_byte_for_byte(texts):
    n = 0
    for text in texts:
        issue = parse_issue(text)
        p = prepare_issue(issue, content_hash=content_hash(text), source_name="x", source_text=text)
        assert p.gazette_json == ref_dumps(dataclasses.asdict(issue.gazette))
        assert p.toc_json == ref_dumps([dataclasses.asdict(t) for t in issue.toc])
        assert p.warnings_json == ref_dumps([dataclasses.asdict(w) for w in issue.warnings])
        for doc, d in zip(issue.documents, p.docs, strict=True):
            assert doc.body  # (documents without a body: test_fallback_body)
            assert (d.data_json, d.body_json) == ref_doc_json(doc)
            assert d.issuer_json == ref_dumps(doc.issuer)
            assert zlib.decompress(d.data_z).decode() == d.data_json
            n += 1
    assert n > 100
    assert '"title":"' + issue.documents[0].title[:3] in p.docs[0].data_json  # not \\u-escaped


def test_fallback_body_and_what_orjson_refuses():
    """A document without a body is indexed and stored with its source lines; an integer beyond
    64 bits (an OCR page number) still serializes, the json module's way."""
    text = "标题\n  第一行正文  \n\n第二行正文\n"
    doc = Document(title="标题", start_line=1, end_line=4, toc_page=2**70, issuer=["甲", "乙"])
    issue = Issue(gazette=Gazette(name="公报"), toc=[TocEntry(None, "标题", None, 10**30)], documents=[doc])
    p = prepare_issue(issue, content_hash="h", source_name="x", source_text=text)
    fallback = [
        {"text": "标题", "start_line": 1, "end_line": 1},
        {"text": "第一行正文", "start_line": 2, "end_line": 2},
        {"text": "第二行正文", "start_line": 4, "end_line": 4},
    ]
    d = p.docs[0]
    assert (d.data_json, d.body_json) == ref_doc_json(doc, fallback)
    assert json.loads(d.data_json)["toc_page"] == 2**70
    assert p.toc_json == ref_dumps([dataclasses.asdict(issue.toc[0])])
    assert d.fbody == "标题\n第一行正文\n第二行正文".replace("\n", "")
    assert (
        model_json([Paragraph("x", 1, 1), None, 2**64])
        == b'[{"text":"x","start_line":1,"end_line":1},null,18446744073709551616]'
    )


def test_lean_form_carries_everything_the_sqlite_writer_stores(texts, tmp_path):
    text = texts[0]
    issue = parse_issue(text)
    full = prepare_issue(issue, content_hash=content_hash(text), source_name="x", source_text=text)
    lean = prepare_issue(
        issue, content_hash=content_hash(text), source_name="x", source_text=text, keep_texts=False
    )
    assert lean.source_text is None and decompress_text(lean.source_z) == text
    for f, d in zip(full.docs, lean.docs, strict=True):
        assert (d.data_json, d.body_json, d.fbody) == (None, None, None)
        assert (zlib.decompress(d.data_z).decode(), zlib.decompress(d.body_z).decode()) == (
            f.data_json,
            f.body_json,
        )
        same = [x.name for x in dataclasses.fields(d) if x.name not in ("data_json", "body_json", "fbody")]
        assert [getattr(d, x) for x in same] == [getattr(f, x) for x in same]
    with pytest.raises(ValueError):
        prepare_issue(
            issue, content_hash="h", source_name="x", source_text=text, compress=False, keep_texts=False
        )

    # stored lean: the documents read back as stored from the full form, and are found by their words
    with open_store(str(tmp_path / "a.db")) as store:
        out = store.store_prepared(lean)
        assert out.documents == len(issue.documents)
        refs = store.get_issue(out.issue_id).documents
        for f, ref in zip(full.docs, refs, strict=True):
            rec = store.get_document(ref.id)
            assert (rec.title, rec.body) == (f.title, json.loads(f.body_json))
            assert {k: v for k, v in rec.fields.items() if k != "body"} == json.loads(f.data_json)
        assert ref.id in {h.id for h in store.search(f'"{f.title}"', limit=100).hits}
        assert store.source_lines(out.issue_id, 1, 3) == text.splitlines()[:3]


@pytest.mark.parametrize("fast", [True, False], ids=["isal", "zlib"])
def test_compressed_texts_are_zlib_streams(monkeypatch, fast):
    """Stored texts are zlib streams whichever compressor made them (isal when installed, zlib
    otherwise), so any archive reads back with the standard library."""
    from gongbao.store import common

    if fast:
        assert common._deflate is not None, "isal is a dependency; it should be installed"
    else:
        monkeypatch.setattr(common, "_deflate", None)
    text = SAMPLES[0].read_text(encoding="utf-8")
    z = common.compress_text(text)
    assert zlib.decompress(z).decode("utf-8") == text == common.decompress_text(z)
    assert len(z) < len(text.encode("utf-8")) / 2
    assert common.compress_text(text.encode("utf-8")) == z
