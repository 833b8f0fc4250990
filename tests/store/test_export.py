"""``gongbao export``, ``gongbao issues`` and ``gongbao stats``: real processes on real databases."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from gongbao.cli.export_cmd import _to_file
from gongbao.export import EXPORT_COLUMNS
from gongbao.store import open_store

from .test_ingest import SAMPLES, gongbao

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _all_ids(db: str, *args: str) -> list[int]:
    """Every hit of a search, paged through 7 at a time."""
    ids: list[int] = []
    cursor: list[str] = []
    while True:
        page = json.loads(gongbao("search", *args, "--limit", "7", *cursor, "--db", db, "--json").stdout)
        ids += [h["id"] for h in page["hits"]]
        if not page["next_cursor"]:
            return ids
        cursor = ["--cursor", page["next_cursor"]]


@pytest.mark.parametrize("archive", BACKENDS, indirect=True)
def test_export_writes_every_match_in_each_format(archive, tmp_path):
    db = archive
    want = sorted(_all_ids(db, "通知", "--city", "朔州市"))
    assert len(want) > 7  # more than one search page

    r = gongbao("export", "通知", "--city", "朔州市", "--db", db)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert sorted(x["id"] for x in rows) == want
    assert all(x["city"] == "朔州市" for x in rows)
    assert f"{len(want)} documents exported" in r.stderr

    out = tmp_path / "list.csv"
    r = gongbao("export", "通知", "--city", "朔州市", "-o", str(out), "--db", db)
    assert r.returncode == 0, r.stderr
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw
    table = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(table[0]) == EXPORT_COLUMNS
    assert sorted(int(x["id"]) for x in table) == want
    by_id = {x["id"]: x for x in rows}
    for x in table:  # the same rows; several issuers joined with 、
        j = by_id[int(x["id"])]
        assert x["title"] == j["title"] and x["doc_number"] == (j["doc_number"] or "")
        assert x["issuer"] == ("、".join(j["issuer"]) if isinstance(j["issuer"], list) else j["issuer"] or "")

    out = tmp_path / "list.json"  # the format follows the suffix
    assert gongbao("export", "通知", "--city", "朔州市", "-o", str(out), "--db", db).returncode == 0
    assert sorted(x["id"] for x in json.loads(out.read_text(encoding="utf-8"))) == want
    assert list(tmp_path.glob("*.part")) == []


@pytest.mark.parametrize("archive", BACKENDS, indirect=True)
def test_export_full_gives_the_stored_documents(archive, tmp_path):
    db = archive
    out = tmp_path / "docs.jsonl"
    r = gongbao("export", "--full", "-o", str(out), "--db", db)
    assert r.returncode == 0, r.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    with open_store(db) as store:
        assert len(records) == store.stats().documents == 56
        for rec in records:
            assert rec == json.loads(json.dumps(store.get_document(rec["id"]).to_dict(), ensure_ascii=False))
    assert any(rec["body"] and rec["citations"] for rec in records)


@pytest.mark.parametrize("archive", BACKENDS, indirect=True)
def test_export_of_nothing_is_still_well_formed(archive):
    q = "不可能出现的词组甲乙丙丁"
    assert json.loads(gongbao("export", q, "-f", "json", "--db", archive).stdout) == []
    assert gongbao("export", q, "-f", "jsonl", "--db", archive).stdout == ""
    assert gongbao("export", q, "-f", "csv", "--db", archive).stdout.lstrip("\ufeff").splitlines() == [
        ",".join(EXPORT_COLUMNS)]


def test_export_bad_input_exits_2_and_keeps_an_earlier_file(tmp_path):
    db = str(tmp_path / "a.db")
    assert gongbao("ingest", str(SAMPLES / "yangquan-2020-04.txt"), "--db", db, "-q").returncode == 0
    old = tmp_path / "old.jsonl"
    old.write_text("an earlier export\n", encoding="utf-8")
    cases = [
        (["煤" * 5000, "-o", str(old)], "查询过长"),
        (["煤", "--from", "2020-13", "-o", str(old)], "日期"),
        (["煤", "-f", "xml"], "--format"),
        (["煤", "--full", "-f", "csv"], "jsonl or json"),
        (["煤", "-o", str(tmp_path)], "directory"),
        (["煤", "-o", str(tmp_path / "missing" / "x.csv")], "cannot write"),
    ]
    for args, message in cases:
        r = gongbao("export", *args, "--db", db)
        assert r.returncode == 2, (args, r.stderr)
        assert message in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)
    assert old.read_text(encoding="utf-8") == "an earlier export\n"
    huge = "9" * 25  # beyond any integer column: a usage error, never a driver overflow
    for args in (["issues", "--year", huge], ["export", "--year", huge], ["search", "煤", "--year", huge],
                 ["show", huge], ["delete", huge, "--yes"]):
        r = gongbao(*args, "--db", db)
        assert r.returncode in (1, 2) and "Traceback" not in r.stderr, (args, r.stderr)
    r = gongbao("export", "煤", "--db", str(tmp_path / "none.db"))
    assert r.returncode == 2 and "none.db" in r.stderr
    assert list(tmp_path.glob("*.part")) + list(tmp_path.glob(".*.part")) == []


def test_a_failed_file_export_leaves_no_partial_file(tmp_path):
    out = tmp_path / "x.jsonl"
    out.write_text("before\n", encoding="utf-8")

    class Counted:
        n = 0

    def pieces():
        yield "one\n"
        raise KeyboardInterrupt  # interrupted halfway

    with pytest.raises(KeyboardInterrupt):
        _to_file(pieces(), out, None, Counted())
    assert out.read_text(encoding="utf-8") == "before\n"
    assert [p.name for p in tmp_path.iterdir()] == ["x.jsonl"]
    _to_file(iter(["a\n", "b\n"]), out, None, Counted())
    assert out.read_text(encoding="utf-8") == "a\nb\n"
    mask = os.umask(0o022)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask  # a new file's mode, not mkstemp's 0600


def test_export_to_a_named_pipe_writes_through_it(tmp_path):
    """A path that is not a regular file (a FIFO here; /dev/null alike) is written to as it is:
    the temporary-file-and-rename of a file export would put a regular file in its place."""
    db = str(tmp_path / "a.db")
    assert gongbao("ingest", str(SAMPLES), "--db", db, "-q").returncode == 0
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    r = gongbao("export", "外资", "--db", db, "-o", str(fifo))
    out, _ = reader.communicate(timeout=60)
    assert r.returncode == 0, r.stderr
    lines = out.decode().splitlines()
    assert len(lines) == json.loads(gongbao("search", "外资", "--json", "--db", db).stdout)["total"] > 0
    assert all(json.loads(line)["id"] for line in lines)
    assert fifo.is_fifo() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file


def test_export_to_a_closed_pipe_stops_quietly(tmp_path):
    db = str(tmp_path / "a.db")
    assert gongbao("ingest", str(SAMPLES), "--db", db, "-q").returncode == 0
    proc = subprocess.Popen([sys.executable, "-m", "gongbao", "export", "--full", "--db", db],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`: far more than a pipe buffer is left unread
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert json.loads(first)["id"] and "Traceback" not in err and "Broken" not in err


@pytest.mark.parametrize("archive", BACKENDS, indirect=True)
def test_show_source_prints_the_numbered_ocr_lines(archive):
    shown = json.loads(gongbao("show", "朔政办发（2020）36号", "--json", "--db", archive).stdout)
    r = gongbao("show", "朔政办发（2020）36号", "--source", "--db", archive)
    assert r.returncode == 0, r.stderr
    rows = r.stdout.splitlines()
    assert len(rows) == shown["end_line"] - shown["start_line"] + 1
    assert rows[0].split()[0] == str(shown["start_line"]) and rows[-1].split()[0] == str(shown["end_line"])
    original = (SAMPLES / Path(shown["source_name"]).name).read_text(encoding="utf-8").split("\n")
    for row in rows:  # each line as it stands in the sample file, under its own number
        n, _, text = row.strip().partition("  ")
        assert text.rstrip() == original[int(n) - 1].rstrip(), n
    as_json = json.loads(gongbao("show", str(shown["id"]), "--source", "--json", "--db", archive).stdout)
    assert as_json["document_id"] == shown["id"] and len(as_json["lines"]) == len(rows)


@pytest.mark.parametrize("archive", BACKENDS, indirect=True)
def test_optimize_command(archive, tmp_path):
    before = gongbao("search", "外资", "--json", "--db", archive).stdout
    r = gongbao("optimize", "--db", archive)
    assert r.returncode == 0 and "optimized" in r.stderr, r.stderr
    assert json.loads(gongbao("search", "外资", "--json", "--db", archive).stdout)["hits"] == json.loads(before)["hits"]
    if "://" not in archive:
        assert sqlite3.connect(archive).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert not Path(archive + "-wal").exists() or Path(archive + "-wal").stat().st_size == 0
    r = gongbao("optimize", "--db", str(tmp_path / "none.db"))
    assert r.returncode == 2 and "none.db" in r.stderr


@pytest.mark.parametrize("archive", BACKENDS, indirect=True)
def test_issues_and_stats_commands(archive):
    db = archive
    with open_store(db) as store:
        want_issues = [i.to_dict() for i in store.list_issues()]
        want_stats = store.stats().to_dict()
    assert json.loads(gongbao("issues", "--json", "--db", db).stdout) == want_issues
    only = json.loads(gongbao("issues", "--json", "--city", "阳泉市", "--db", db).stdout)
    assert [i["city"] for i in only] == ["阳泉市"]
    text = gongbao("issues", "--db", db)
    assert text.returncode == 0 and "yangquan-2020-04.txt" in text.stdout and "3 期, 56 篇" in text.stdout
    stats = json.loads(gongbao("stats", "--json", "--db", db).stdout)
    assert stats == want_stats  # (a location never holds a password)
    assert (stats["issues"], stats["documents"]) == (3, 56)
    assert gongbao("stats", "--db", db).stdout.startswith("期刊: 3")
