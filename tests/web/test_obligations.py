"""Tasks, validity, people and cross-document links over real HTTP: the running test server (samples
plus the crafted gazette, see conftest.py). Values are those of the bundled samples."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import date
from urllib.parse import quote

import httpx
import pytest

from .webutil import XSS, Server, crafted_gazette

FAGAIWEI = "市发展和改革委员会"
ATOM = "{http://www.w3.org/2005/Atom}"
UPPER = "国办发〔2019〕15号"  # cited by one 朔州 and one 阳泉 document
HOSTILE = '<img src=x onerror="alert(1)">&'  # no '/', so it stays one path segment


def test_api_tasks_of_a_unit(api: httpx.Client) -> None:
    r = api.get("/api/tasks", params={"unit": "市发改委"})
    assert r.status_code == 200
    data = r.json()
    assert data["unit"] == FAGAIWEI and data["total"] == len(data["tasks"]) > 10
    assert all(FAGAIWEI in t["lead_units"] + t["support_units"] for t in data["tasks"])
    one = next(t for t in data["tasks"] if t["doc_number"] == "朔政发〔2020〕26号" and t["label"] in ("(一)", "（一）"))
    assert one["line"] == 69 and one["role"] == "lead" and "市促投局" in one["units_raw"]
    # any alias selects the same tasks
    alias = api.get("/api/tasks", params={"unit": "市发展和改革委员会"}).json()
    assert alias["total"] == data["total"]
    city = api.get("/api/tasks", params={"unit": "市发改委", "city": "阳泉市"}).json()
    assert 0 < city["total"] < data["total"] and {t["city"] for t in city["tasks"]} == {"阳泉市"}
    due = api.get("/api/tasks", params={"due_before": "2020-12-31"}).json()
    assert due["total"] > 0 and all(t["deadline"] <= "2020-12-31" for t in due["tasks"])


def test_api_tasks_downloads(api: httpx.Client) -> None:
    total = api.get("/api/tasks", params={"unit": "市发改委"}).json()["total"]
    r = api.get("/api/tasks", params={"unit": "市发改委", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert len(rows) == total and all(row["role"] in ("lead", "support") for row in rows)

    r = api.get("/api/tasks", params={"format": "ics"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    raw = r.content
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    lines = raw.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)  # long Chinese summaries are folded
    unfolded = raw.replace(b"\r\n ", b"").decode("utf-8")
    assert unfolded.count("BEGIN:VEVENT") == unfolded.count("END:VEVENT") > 0
    assert re.search(r"^DTSTART;VALUE=DATE:20\d{6}\r$", unfolded, re.M)


def test_api_units(api: httpx.Client) -> None:
    data = api.get("/api/units").json()
    names = {u["name"]: u for u in data["units"]}
    assert names[FAGAIWEI]["total"] == names[FAGAIWEI]["lead"] + names[FAGAIWEI]["support"] > 10
    assert "市发改委" not in names and "市审批局" not in names  # aliases are folded
    assert set(data["unresolved"]) == {u["name"] for u in data["units"] if not u["resolved"]}


def test_api_expiring_and_feed(api: httpx.Client) -> None:
    data = api.get("/api/expiring", params={"within": "90", "as_of": "2022-08-01"}).json()
    hit = next(d for d in data["documents"] if d["doc_number"] == "朔政办发〔2020〕35号")
    assert (hit["effective"], hit["expires"], hit["status"]) == ("2020-09-20", "2022-09-19", "现行有效")
    assert "有效期2年" in hit["basis"]
    assert hit["days_left"] == (date(2022, 9, 19) - date(2022, 8, 1)).days
    later = api.get("/api/expiring", params={"within": "90d", "as_of": "2022-09-20"}).json()
    assert all(d["doc_number"] != "朔政办发〔2020〕35号" for d in later["documents"])

    r = api.get("/feeds/expiring.atom", params={"within": "90", "as_of": "2022-08-01"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(r.content)
    assert feed.tag == f"{ATOM}feed"
    self_link = next(link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self")
    assert "within=90&as_of=2022-08-01" in self_link.get("href", "")  # '&' escaped and read back
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == data["total"]
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert any("共享单车" in (t or "") and "2022-09-19" in (t or "") for t in titles)
    for e in entries:
        assert e.findtext(f"{ATOM}id") and e.findtext(f"{ATOM}updated")


def test_api_status(api: httpx.Client) -> None:
    doc_id = api.get("/api/search", params={"doc_number": "朔政办发〔2020〕35号"}).json()["hits"][0]["id"]
    states = {day: api.get(f"/api/status/{doc_id}", params={"as_of": day}).json()
              for day in ("2020-09-10", "2021-01-01", "2022-09-19", "2022-09-20")}
    assert [states[d]["status"] for d in sorted(states)] == ["尚未生效", "现行有效", "现行有效", "已失效"]
    assert all(s["effective"] == "2020-09-20" and s["expires"] == "2022-09-19" for s in states.values())
    assert states["2022-09-20"]["line"] and "有效期2年" in states["2022-09-20"]["basis"]
    assert {n["doc_number"] for n in states["2021-01-01"]["implements"]} >= {"交运发〔2017〕109号"}
    # the upper-level document's implementers, seen from a city document that cites it
    node = api.get("/api/implementing/" + quote(UPPER, safe="")).json()
    upper_id = node["cities"][0]["documents"][0]["id"]
    st = api.get(f"/api/status/{upper_id}").json()
    assert UPPER in {n["doc_number"] for n in st["implements"]}
    assert api.get("/api/status/999999999").status_code == 404
    assert api.get(f"/api/status/{doc_id}", params={"as_of": "2022-02-30"}).status_code == 400


def test_api_people(api: httpx.Client) -> None:
    found = api.get("/api/people", params={"q": "董璋"}).json()
    assert [p["name"] for p in found["people"]] == ["董璋"]
    r = api.get("/api/people/" + quote("董璋"))
    assert r.status_code == 200
    events = r.json()["events"]
    assert {e["action"] for e in events} >= {"任命", "免去"}
    appointed = next(e for e in events if e["action"] == "任命")
    assert appointed["position"].endswith("主任") and appointed["doc_number"] == "阳政任字〔2020〕17号"
    assert appointed["date"] and appointed["issuer"] and appointed["organ"]
    by_position = api.get("/api/people", params={"q": "副局长"}).json()
    assert by_position["total"] >= 3


def test_api_implementing_and_compare(api: httpx.Client) -> None:
    r = api.get("/api/implementing/" + quote(UPPER, safe=""))
    assert r.status_code == 200
    node = r.json()
    assert node["level"] == "国家" and not node["stored"] and "婴幼儿照护" in node["title"]
    by_city = {c["city"]: c["documents"] for c in node["cities"]}
    assert {"朔州市", "阳泉市"} <= set(by_city)
    # another printed variant of the same 文号
    variant = api.get("/api/implementing/" + quote("国办发(2019)15号", safe="")).json()
    assert variant["implementing_count"] == node["implementing_count"]

    a, b = by_city["朔州市"][0]["id"], by_city["阳泉市"][0]["id"]
    cmp = api.get("/api/compare", params={"a": a, "b": b}).json()
    ops = {s["op"] for s in cmp["segments"]}
    assert "equal" in ops and ops & {"replace", "insert", "delete"}
    assert 0 < cmp["jaccard"] < 1 and cmp["a"]["id"] == a


def test_pages(api: httpx.Client) -> None:
    r = api.get("/tasks")
    assert r.status_code == 200 and FAGAIWEI in r.text
    assert f'href="/tasks/unit/{quote(FAGAIWEI, safe="")}"' in r.text

    r = api.get("/tasks/unit/" + quote("市发改委"), params={"sort": "deadline"})
    assert r.status_code == 200
    assert "牵头/责任" in r.text and "朔政发〔2020〕26号" in r.text
    assert re.search(r'href="/documents/\d+/source#L69"', r.text)
    for fmt in ("csv", "ics"):
        href = re.search(rf'href="(/api/tasks\?[^"]*format={fmt})"', r.text).group(1).replace("&amp;", "&")
        assert api.get(href).status_code == 200
    shown = re.findall(r'<td class="deadline"[^>]*>(\d{4}-\d{2}-\d{2})', r.text)
    assert shown and shown == sorted(shown)  # sorted by deadline

    r = api.get("/expiring", params={"within": "90", "as_of": "2022-08-01"})
    assert r.status_code == 200 and "朔政办发〔2020〕35号" in r.text and "/feeds/expiring.atom?" in r.text

    r = api.get("/people/" + quote("董璋"))
    assert r.status_code == 200 and r.text.count('class="event"') >= 2 and "任命" in r.text and "免去" in r.text
    assert "董璋" in api.get("/people", params={"q": "董"}).text

    r = api.get("/implementing/" + quote(UPPER, safe=""))
    assert r.status_code == 200 and r.text.count('class="city-col"') >= 2
    assert "/compare?a=" in r.text
    assert UPPER in api.get("/implementing").text

    node = api.get("/api/implementing/" + quote(UPPER, safe="")).json()
    ids = [c["documents"][0]["id"] for c in node["cities"]]
    r = api.get("/compare", params={"a": ids[0], "b": ids[1]})
    assert r.status_code == 200 and "<ins>" in r.text and "<del>" in r.text
    r = api.get("/compare")
    assert r.status_code == 200
    # the two cities' documents implementing the same 国办发 document are offered as parallel policies
    assert f"/compare?a={min(ids)}&amp;b={max(ids)}" in r.text


@pytest.mark.parametrize("path, params, status", [
    ("/api/tasks", {"due_before": "2020-02-30"}, 400),
    ("/api/tasks", {"due_before": "soon"}, 422),
    ("/api/tasks", {"format": "pdf"}, 422),
    ("/api/tasks", {"unit": "x" * 500}, 422),
    ("/api/expiring", {"within": "-5"}, 400),
    ("/api/expiring", {"within": "99999y"}, 400),
    ("/api/expiring", {"as_of": "2022-13-01"}, 400),
    ("/feeds/expiring.atom", {"as_of": "<x>"}, 422),  # the feed answers errors as the API does (JSON)
    ("/api/people/" + quote(XSS, safe=""), {}, 404),
    ("/api/implementing/" + quote("no such 文号", safe=""), {}, 404),
    ("/api/compare", {"a": "1", "b": "999999999"}, 404),
    ("/api/compare", {"a": "x", "b": "1"}, 422),
    ("/expiring", {"as_of": XSS}, 400),
    ("/expiring", {"within": XSS}, 400),
    ("/tasks/unit/x", {"sort": XSS}, 400),
    ("/tasks/unit/x", {"due_before": "2021-02-29"}, 400),
    ("/people/" + quote(XSS, safe=""), {}, 404),
    ("/implementing/" + quote(XSS, safe=""), {}, 404),
    ("/compare", {"a": XSS, "b": "1"}, 400),
    ("/compare", {"a": "1"}, 400),
    ("/compare", {"a": "1", "b": "99999999999"}, 404),
])
def test_hostile_input_is_a_4xx(api: httpx.Client, path: str, params: dict[str, str], status: int) -> None:
    r = api.get(path, params=params)
    assert r.status_code == status, r.text[:300]
    assert "<script>alert" not in r.text


def test_hostile_text_is_escaped(api: httpx.Client) -> None:
    r = api.get("/tasks/unit/" + quote(HOSTILE, safe=""))
    assert r.status_code == 200 and "<img" not in r.text and "&lt;img" in r.text
    r = api.get("/people", params={"q": HOSTILE})
    assert r.status_code == 200 and "<img src=x" not in r.text
    r = api.get("/people/" + quote(HOSTILE, safe=""))
    assert r.status_code == 404 and "<img src=x" not in r.text


def test_index_follows_uploads(scratch_server: Server) -> None:
    """An uploaded issue citing the upper-level document shows up as a third city at once."""
    with scratch_server.client() as c:
        before = c.get("/api/implementing/" + quote(UPPER, safe="")).json()
        text = crafted_gazette(UPPER, city="核验市", year=2025, issue=3, number=7)
        r = c.post("/api/issues", files={"file": ("hy.txt", text.encode("utf-8"), "text/plain")},
                   headers={"Authorization": f"Bearer {scratch_server.token}"})
        assert r.status_code in (200, 201), r.text
        after = c.get("/api/implementing/" + quote(UPPER, safe="")).json()
    assert "核验市" not in {x["city"] for x in before["cities"]}
    assert "核验市" in {x["city"] for x in after["cities"]}
    assert after["implementing_count"] == before["implementing_count"] + 1


def test_document_page_shows_validity(api: httpx.Client) -> None:
    """The document page carries its 时效: status as of today, the clause it rests on and its line."""
    doc_id = api.get("/api/search", params={"doc_number": "朔政办发〔2020〕35号"}).json()["hits"][0]["id"]
    r = api.get(f"/documents/{doc_id}")
    assert r.status_code == 200
    assert "时效" in r.text and "已失效" in r.text  # 有效期2年 from 2020-09-20: lapsed long before today
    assert "有效期2年" in r.text and "#L1371" in r.text
