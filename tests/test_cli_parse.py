"""`gongbao parse` as a user runs it: a real subprocess, real files."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import SAMPLES

REQUIRED_DOC_KEYS = {"title", "doc_number", "issuer", "doc_type", "section", "recipients", "signed_date",
                     "public_notice", "start_line", "end_line", "toc_page", "enclosures", "attachments", "cites",
                     "cites_other", "personnel", "effective_date", "validity_years", "repeals", "has_table"}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gongbao", *args], capture_output=True, text=True, timeout=120)


def test_json_has_the_conventions_keys():
    out = run("parse", str(SAMPLES / "yangquan-2020-04.txt"), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {"gazette", "toc", "documents"} <= data.keys()
    assert {"name", "city", "year", "issue", "total_issue", "published", "frequency"} <= data["gazette"].keys()
    assert len(data["documents"]) == 26
    for doc in data["documents"]:
        assert REQUIRED_DOC_KEYS <= doc.keys()
        assert all({"text", "start_line", "end_line"} <= p.keys() for p in doc["body"])


def test_summary_lists_every_document():
    out = run("parse", str(SAMPLES / "shuozhou-2020-03.txt"))
    assert out.returncode == 0, out.stderr
    assert "朔州市人民政府公报" in out.stdout
    for n in (26, 30):
        assert f"朔政发〔2020〕{n}号" in out.stdout
    assert "行 59-149" in out.stdout
    assert "引用文号括号不配对" in out.stdout  # warnings are shown under their document


def test_gb18030_crlf_bom_inputs_parse_the_same(tmp_path):
    text = (SAMPLES / "shuozhou-2021-04.txt").read_text(encoding="utf-8")
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(text.replace("\n", "\r\n").encode("gb18030"))
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    a = json.loads(run("parse", str(gbk), "--json").stdout)
    b = json.loads(run("parse", str(bom), "--json").stdout)
    assert [d["doc_number"] for d in a["documents"]] == [d["doc_number"] for d in b["documents"]]
    assert len(a["documents"]) == 17


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"\x00\x01\x02binary\x00" * 100, "binary"), (b"   \n\n  ", "whitespace")],
)
def test_unreadable_input_exits_2_with_a_message(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    out = run("parse", str(path))
    assert out.returncode == 2
    assert str(path) in out.stderr and message in out.stderr
    assert "Traceback" not in out.stderr


def test_missing_file_exits_2(tmp_path):
    out = run("parse", str(tmp_path / "nope.txt"))
    assert out.returncode == 2 and "nope.txt" in out.stderr and "Traceback" not in out.stderr


def test_non_gazette_text_is_a_best_effort_parse_with_warnings(tmp_path):
    path = tmp_path / "novel.txt"
    path.write_text("从前有座山，山里有座庙。\n庙里有个老和尚。\n", encoding="utf-8")
    out = run("parse", str(path), "--json")
    assert out.returncode == 0
    data = json.loads(out.stdout)
    assert data["documents"] == []
    assert {w["code"] for w in data["warnings"]} >= {"no_documents"}
