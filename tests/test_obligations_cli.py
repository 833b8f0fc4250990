"""``gongbao tasks`` / ``expiring`` / ``people`` as real subprocesses over a real SQLite archive built
from the bundled samples with gongbao's own ingest, plus the index cache over a changing archive."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "src" / "gongbao" / "data" / "samples"
FAGAIWEI = "市发展和改革委员会"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gongbao.ingest import ingest_paths
    from gongbao.store import open_store

    path = tmp_path_factory.mktemp("obligations") / "archive.db"
    with open_store(path) as store:
        summary = ingest_paths(store, [SAMPLES], workers=1)
        assert summary.failed == 0 and summary.added == 3
    return path


def run(*args: str, db: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "gongbao", *args]
    if db is not None:
        cmd += ["--db", str(db)]
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=full_env)


def run_json(*args: str, db: Path) -> dict:
    out = run(*args, "--json", db=db)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)



def _crafted_gazette(*args, **kwargs) -> str:
    """The web tests' crafted gazette (tests/web/webutil.py), usable from this top-level test."""
    sys.path.insert(0, str(ROOT / "tests" / "web"))
    try:
        from webutil import crafted_gazette
    finally:
        sys.path.remove(str(ROOT / "tests" / "web"))
    return crafted_gazette(*args, **kwargs)

def test_tasks_of_a_unit_by_alias(db: Path) -> None:
    data = run_json("tasks", "--unit", "市发改委", db=db)
    assert data["unit"] == FAGAIWEI
    assert data["total"] == len(data["tasks"]) > 10
    for t in data["tasks"]:
        assert FAGAIWEI in t["lead_units"] + t["support_units"]
        assert t["role"] == ("lead" if FAGAIWEI in t["lead_units"] else "support")
    # 朔政发〔2020〕26号, item (一): "(市发改委、市行政审批服务管理局、市促投局按职责分工负责)"
    first = [t for t in data["tasks"] if t["doc_number"] == "朔政发〔2020〕26号"]
    assert len(first) >= 3
    one = next(t for t in first if t["label"] in ("(一)", "（一）"))
    assert one["line"] == 69 and one["role"] == "lead"
    assert one["text"].startswith("全面落实准入前国民待遇")
    assert "市发改委" in one["units_raw"]
    # Another alias of the same body selects the same tasks.
    again = run_json("tasks", "--unit", "市发展改革委", db=db)
    assert [(t["doc_id"], t["line"]) for t in again["tasks"]] == [(t["doc_id"], t["line"]) for t in data["tasks"]]


def test_tasks_filters_and_exports(db: Path) -> None:
    due = run_json("tasks", "--due-before", "2020-12-31", db=db)
    assert due["total"] > 0
    assert all(t["deadline"] and t["deadline"] <= "2020-12-31" for t in due["tasks"])
    city = run_json("tasks", "--city", "阳泉市", db=db)
    assert city["total"] > 0 and {t["city"] for t in city["tasks"]} == {"阳泉市"}

    out = run("tasks", "--unit", "市发改委", "--csv", db=db)
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    unit = run_json("tasks", "--unit", "市发改委", db=db)
    assert len(rows) == unit["total"]
    assert rows[0]["doc_number"] and rows[0]["line"].isdigit()

    ics = subprocess.run([sys.executable, "-m", "gongbao", "tasks", "--ics", "--db", str(db)], capture_output=True,
                         timeout=120)
    assert ics.returncode == 0, ics.stderr
    raw = ics.stdout
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    dated = run_json("tasks", db=db)
    n_dated = sum(1 for t in dated["tasks"] if t["deadline"])
    assert 0 < raw.count(b"BEGIN:VEVENT") <= n_dated


def test_expiring_finds_the_two_year_document(db: Path) -> None:
    data = run_json("expiring", "--within", "90d", "--as-of", "2022-08-01", db=db)
    hit = next(d for d in data["documents"] if d["doc_number"] == "朔政办发〔2020〕35号")
    assert hit["effective"] == "2020-09-20"
    assert hit["expires"] == "2022-09-19"  # last day in force: it lapses on 2022-09-20
    assert hit["status"] == "现行有效" and "有效期2年" in hit["basis"] and hit["line"]
    assert hit["days_left"] == (date(2022, 9, 19) - date(2022, 8, 1)).days
    # 30 days is too short a horizon, and after expiry the document is no longer listed.
    assert all(d["doc_number"] != "朔政办发〔2020〕35号"
               for d in run_json("expiring", "--within", "30d", "--as-of", "2022-08-01", db=db)["documents"])
    assert all(d["doc_number"] != "朔政办发〔2020〕35号"
               for d in run_json("expiring", "--within", "1y", "--as-of", "2022-09-20", db=db)["documents"])
    text = run("expiring", "--within", "12w", "--as-of", "2022-08-01", db=db)
    assert text.returncode == 0 and "朔政办发〔2020〕35号" in text.stdout


def test_people(db: Path) -> None:
    data = run_json("people", "董璋", db=db)
    person = next(p for p in data["people"] if p["name"] == "董璋")
    actions = [e["action"] for e in person["timeline"]]
    assert "任命" in actions and "免去" in actions
    assert all(e["doc_number"] == "阳政任字〔2020〕17号" for e in person["timeline"])
    everyone = run_json("people", db=db)
    kinds = {a for p in everyone["people"] for a in p["actions"]}
    assert {"任命", "免去", "试用期满正式任职", "提名免去"} <= kinds
    by_position = run_json("people", "商务局", db=db)
    assert by_position["total"] >= 1
    assert all(any("商务局" in (e["position"] or "") for e in p["timeline"]) for p in by_position["people"])


@pytest.mark.parametrize("args, needle", [
    (("expiring", "--within", "90x"), "--within"),
    (("expiring", "--within", "-3d"), "--within"),
    (("expiring", "--as-of", "2022-13-01"), "--as-of"),
    (("expiring", "--as-of", "2022-02-30"), "--as-of"),
    (("tasks", "--due-before", "next week"), "--due-before"),
    (("tasks", "--json", "--csv"), "one of"),
])
def test_bad_input_exits_2(db: Path, args: tuple[str, ...], needle: str) -> None:
    out = run(*args, db=db)
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert needle in out.stderr and "Traceback" not in out.stderr


def test_db_from_environment_and_missing_db(db: Path, tmp_path: Path) -> None:
    out = run("expiring", "--within", "90", "--as-of", "2022-08-01", "--json", env={"GONGBAO_DB": str(db)})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["total"] >= 1
    missing = run("tasks", db=tmp_path / "nothing-here.db")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def test_index_is_rebuilt_when_the_archive_changes(db: Path, tmp_path: Path) -> None:
    """In process: the cached index follows the archive (a new issue adds its citations)."""
    from gongbao.ingest import ingest_paths
    from gongbao.obligations import index_for
    from gongbao.store import open_store

    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    with open_store(copy) as store:
        before = index_for(store)
        assert index_for(store) is before  # unchanged archive: the cached index
        node = before.implementing("国办发〔2019〕15号")
        assert node is not None and {c["city"] for c in node["cities"]} == {"朔州市", "阳泉市"}
        text = tmp_path / "new.txt"
        text.write_text(_crafted_gazette("国办发〔2019〕15号", city="验证市", year=2024), encoding="utf-8")
        assert ingest_paths(store, [text], workers=1).added == 1
        after = index_for(store)
        assert after is not before
        cities = {c["city"] for c in after.implementing("国办发(2019)15号")["cities"]}
        assert cities == {"朔州市", "阳泉市", "验证市"}


def test_repeals_resolve_both_directions(db: Path, tmp_path: Path) -> None:
    """A new document repealing a stored one (by 文号): 已废止 from the day the repeal takes effect,
    with the repealing document on one side and the repealed one on the other."""
    from gongbao.ingest import ingest_paths
    from gongbao.obligations import index_for
    from gongbao.store import open_store

    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    text = _crafted_gazette("国办发〔2019〕15号", city="验证市", year=2024).replace(
        "本办法自印发之日起施行。",
        "本办法自印发之日起施行，《朔州市规范共享单车发展的实施意见》（朔政办发〔2020〕35号）同时废止。")
    path = tmp_path / "repeal.txt"
    path.write_text(text, encoding="utf-8")
    with open_store(copy) as store:
        assert ingest_paths(store, [path], workers=1).added == 1
        index = index_for(store)
        old_id = index.by_doc_number["朔政办发〔2020〕35号"][0]
        new_id = index.by_doc_number["验政办发〔2024〕1号"][0]
        repealer = index.status(new_id, date(2024, 6, 1))
        assert repealer["repeals"] == [{"ref": "朔政办发〔2020〕35号", "id": old_id,
                                        "title": index.docs[old_id].title}]
        repealed = index.status(old_id, date(2024, 6, 1))
        assert repealed["status"] == "已废止" and "验政办发〔2024〕1号" in repealed["basis"]
        assert [d["id"] for d in repealed["repealed_by"]] == [new_id]
        # before the repealing document was issued, the old one was simply in force
        assert index.status(old_id, date(2021, 6, 1))["status"] == "现行有效"


@given(st.text(max_size=30))
@example("0\x1f")
def test_duration_and_date_parsers_are_total(text: str) -> None:
    """Any text: a value or a ValueError with a message, nothing else."""
    from gongbao.obligations import parse_day, parse_duration

    for parse in (parse_duration, parse_day):
        try:
            value = parse(text)
        except ValueError as exc:
            assert str(exc)
        else:
            assert value is not None
    digits = text.strip()  # str.strip also drops \x1c-\x1f, which int() refuses
    if digits.isascii() and digits.isdigit() and int(digits) <= 36600:
        assert parse_duration(text) == int(digits)
