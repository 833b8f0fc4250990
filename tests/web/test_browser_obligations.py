"""The issue-5 pages (tasks, a unit's tasks, expiring, people, a person's timeline, implementing,
compare, similar, the document page's link panels) driven in Debian's headless chromium against
the real test server. Counts shown are checked against the JSON API of the same server; every page
is also loaded at phone width (375 px) and without JavaScript. Screenshots go to
artifacts/screenshots/ (ob-*.png)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest

from .test_browser import DESKTOP, Watch, no_horizontal_scroll, shot
from .webutil import CRAFTED_CITY, Archive, Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 375, "height": 812}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def page(browser, server: Server) -> Iterator[object]:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN", accept_downloads=True)
    p = ctx.new_page()
    p.watch = Watch(p, server.url)
    yield p
    p.watch.clean()
    ctx.close()


def _count(text: str) -> int:
    m = re.search(r"(\d+)", text)
    assert m, text
    return int(m.group(1))


def _unit_with_both_roles(api: httpx.Client) -> dict:
    units = api.get("/api/units").json()["units"]
    return next(u for u in units if u["lead"] and u["support"] and u["resolved"])


def _expiring_params(api: httpx.Client) -> dict[str, str]:
    """A date and horizon for which the archive has expiring documents (searched, not assumed)."""
    for year in range(2019, 2031):
        params = {"as_of": f"{year}-01-01", "within": "365"}
        if api.get("/api/expiring", params=params).json()["total"]:
            return params
    pytest.fail("no document of the archive expires in any year 2019-2030")


def test_tasks_filter_and_downloads(page, server: Server, api: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    page.goto(server.url + "/tasks")
    assert "任务督办" in page.locator("h1").inner_text()
    units = api.get("/api/units").json()["units"]
    rows = page.locator("table.units tbody tr")
    assert rows.count() == len(units)
    shot(page, "ob-01-tasks")
    # filter by city: the table keeps the units with tasks in that city
    link = page.locator(".browse-filter a").nth(1)
    city = link.inner_text()
    link.click()
    page.wait_for_url(re.compile(r"[?&]city="))
    assert rows.count() == sum(1 for u in units if city in u["cities"])
    # the downloads: a click downloads a file of the right type and content
    for label, ctype, suffix in (("CSV", "text/csv", ".csv"), (".ics", "text/calendar", ".ics")):
        a = page.locator(".ob-links a", has_text=label).first
        with page.expect_download() as dl:
            a.click()
        assert dl.value.suggested_filename.endswith(suffix)
        r = page.request.get(server.url + a.get_attribute("href"))
        assert r.status == 200 and r.headers["content-type"].startswith(ctype)
        body = r.text()
        if suffix == ".csv":
            data = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
            assert data and {d["city"] for d in data} == {city}
        else:
            assert body.startswith("BEGIN:VCALENDAR")


def test_unit_page_roles_and_sort(page, server: Server, api: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    unit = _unit_with_both_roles(api)
    page.goto(server.url + "/tasks")
    page.locator("table.units a", has_text=unit["name"]).first.click()
    page.wait_for_url(re.compile(r"/tasks/unit/"))
    assert page.locator("h1").inner_text() == unit["name"]
    tasks = api.get("/api/tasks", params={"unit": unit["name"]}).json()
    assert _count(page.locator(".count").inner_text()) == tasks["total"] == page.locator("tr.task").count()
    # lead vs supporting role, as the API says for each task
    assert page.locator(".role-lead").count() == sum(t["role"] == "lead" for t in tasks["tasks"]) > 0
    assert page.locator(".role-support").count() == sum(t["role"] == "support" for t in tasks["tasks"]) > 0
    assert page.locator(".role-lead").first.inner_text() == "牵头/责任"
    assert page.locator(".role-support").first.inner_text() == "配合"
    shot(page, "ob-02-unit")
    # sort by role: every lead row before every supporting row
    page.locator(".ob-sort a", has_text="按角色").click()
    page.wait_for_url(re.compile(r"sort=role"))
    roles = page.locator("tr.task td:nth-child(2)").all_inner_texts()
    assert roles == sorted(roles, key=lambda r: r != "牵头/责任") and len(roles) == tasks["total"]
    # sort by deadline: dated deadlines ascending
    page.locator(".ob-sort a", has_text="按期限").click()
    page.wait_for_url(re.compile(r"sort=deadline"))
    shown = [m.group(0) for t in page.locator("td.deadline").all_inner_texts()
             if (m := re.match(r"\d{4}-\d{2}-\d{2}", t))]
    assert shown == sorted(shown)
    href = page.locator(".ob-links a", has_text="CSV").get_attribute("href")
    assert parse_qs(urlsplit(href).query)["unit"] == [unit["name"]]


def test_expiring_page(page, server: Server, api: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    params = _expiring_params(api)
    page.goto(server.url + "/expiring")
    page.fill('input[name="as_of"]', params["as_of"])
    page.fill('input[name="within"]', params["within"])
    page.locator("form.ob-form button").click()
    page.wait_for_url(re.compile(r"as_of=" + params["as_of"]))
    found = api.get("/api/expiring", params=params).json()
    assert page.locator("li.hit").count() == found["total"]
    assert f"{found['total']} 份" in page.locator(".count").inner_text()
    first = page.locator("li.hit").first
    assert found["documents"][0]["title"] == first.locator("h2").inner_text()
    assert "有效至" in first.inner_text()
    feed = page.request.get(server.url + page.locator("a.feed").get_attribute("href"))
    assert feed.status == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    assert feed.text().count("<entry>") == found["total"]
    shot(page, "ob-03-expiring")


def test_people_and_timeline(page, server: Server, api: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    page.goto(server.url + "/people")
    people = api.get("/api/people").json()
    assert page.locator("ul.people li").count() == people["total"] > 0
    # search by the surname of the person with the most events
    person = max(people["people"], key=lambda p: p["events"])
    page.fill('input[name="q"]', person["name"][0])
    page.locator("form.search button").click()
    page.wait_for_url(re.compile(r"[?&]q="))
    found = api.get("/api/people", params={"q": person["name"][0]}).json()
    assert page.locator("ul.people li").count() == found["total"]
    shot(page, "ob-04-people")
    page.locator("ul.people a", has_text=person["name"]).first.click()
    page.wait_for_url(re.compile(r"/people/"))
    events = api.get("/api/people/" + quote(person["name"], safe="")).json()["events"]
    shown = page.locator("li.event")
    assert shown.count() == len(events)
    assert [a.strip() for a in page.locator("li.event .action").all_inner_texts()] == [e["action"] for e in events]
    shot(page, "ob-05-person")
    # each event links its document
    shown.first.locator("a").first.click()
    page.wait_for_url(re.compile(rf"/documents/{events[0]['doc_id']}$"))


def test_implementing_side_by_side_and_compare(page, server: Server, api: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    page.goto(server.url + "/implementing")
    # the first row is the document cited from the most cities
    link = page.locator("table.nodes tbody tr a").first
    doc_number = link.inner_text()
    link.click()
    page.wait_for_url(re.compile(r"/implementing/."))
    node = api.get("/api/implementing/" + quote(doc_number, safe="")).json()
    cols = page.locator("section.city-col")
    assert cols.count() == len(node["cities"]) >= 2
    assert cols.locator("h2").all_inner_texts() == [c["city"] for c in node["cities"]]
    # side by side on a desktop: the first two columns share a row
    a, b = cols.nth(0).bounding_box(), cols.nth(1).bounding_box()
    assert a and b and abs(a["y"] - b["y"]) < 2 and b["x"] > a["x"] + a["width"] - 1
    shot(page, "ob-06-implementing")
    page.locator(".ob-links a", has_text="对比").click()
    page.wait_for_url(re.compile(r"/compare\?a=\d+&b=\d+"))
    q = parse_qs(urlsplit(page.url).query)
    cmp = api.get("/api/compare", params={"a": q["a"][0], "b": q["b"][0]}).json()
    assert page.locator(".seg.side-a").count() == len(cmp["segments"])
    changed = sum(s["op"] != "equal" for s in cmp["segments"])
    assert page.locator(".seg.op-replace, .seg.op-insert, .seg.op-delete").count() == 2 * changed > 0
    # differences are highlighted: <del>/<ins> inside replaced sentences, coloured
    ins = page.locator(".seg ins").first
    assert ins.is_visible()
    assert page.locator(".seg del").first.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    assert ins.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    assert f"{cmp['jaccard']}" in page.locator(".count").inner_text()
    shot(page, "ob-07-compare")


def test_similar_page(page, server: Server, api: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    page.goto(server.url + "/")
    page.locator("header.site nav a", has_text="相似").click()
    page.wait_for_url(re.compile(r"/similar$"))
    data = api.get("/api/similar").json()
    pairs = page.locator("li.pair")
    assert pairs.count() == data["total"] > 0
    assert f"共 {data['total']} 对" in page.locator(".count").inner_text()
    shot(page, "ob-08-similar")
    # a stricter threshold through the form
    strict = data["pairs"][0]["jaccard"]
    page.fill('input[name="threshold"]', str(strict))
    page.locator("form.ob-form button").click()
    page.wait_for_url(re.compile(r"threshold="))
    assert pairs.count() == api.get("/api/similar", params={"threshold": strict}).json()["total"] >= 1
    # a city through the select
    city = data["pairs"][0]["a"]["city"]
    page.goto(server.url + "/similar")
    page.select_option('select[name="city"]', city)
    page.locator("form.ob-form button").click()
    page.wait_for_url(re.compile(r"city="))
    assert pairs.count() == api.get("/api/similar", params={"city": city}).json()["total"]
    # to the comparison view
    pairs.first.locator("a.cmp-link").click()
    page.wait_for_url(re.compile(r"/compare\?a=\d+&b=\d+"))
    assert page.locator(".cmp-head").count() == 2


def test_document_link_panels(page, server: Server, api: httpx.Client, archive: Archive) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server.url}/documents/{archive.cited_id}")
    panel = page.locator("section.implemented-by")
    assert CRAFTED_CITY in panel.locator("h3").all_inner_texts()
    links = api.get(f"/api/documents/{archive.cited_id}/links").json()
    assert panel.locator("li").count() == links["implemented_by_count"]
    shot(page, "ob-09-document-links")
    panel.locator("a", has_text="网页安全检查办法").click()
    page.wait_for_url(re.compile(rf"/documents/{archive.crafted_id}$"))
    up = page.locator("section.implements li", has_text=archive.cited_doc_number)
    assert up.locator(".level").inner_text() in ("国家", "省", "市及以下")
    up.locator(f'a[href="/documents/{archive.cited_id}"]').click()
    page.wait_for_url(re.compile(rf"/documents/{archive.cited_id}$"))
    # a document with a parallel policy elsewhere: its score and the comparison link
    pair = api.get("/api/similar", params={"limit": 1}).json()["pairs"][0]
    page.goto(f"{server.url}/documents/{pair['a']['id']}")
    item = page.locator("section.similar li", has_text=pair["b"]["title"])
    assert f"{pair['jaccard']:.2f}" in item.locator(".score").inner_text()
    item.locator("a", has_text="逐句对比").click()
    page.wait_for_url(re.compile(rf"/compare\?a={pair['a']['id']}&b={pair['b']['id']}$"))
    # not archived upper-level document: 文号 and title as cited, and a link to its implementing view
    # (the parallel policies of the samples cite upper-level documents the archive does not hold)
    pairs = api.get("/api/similar", params={"limit": 500}).json()["pairs"]
    doc_id, node = next((d["id"], u) for p in pairs for d in (p["a"], p["b"])
                        for u in api.get(f"/api/documents/{d['id']}/links").json()["implements"] if not u["stored"])
    page.goto(f"{server.url}/documents/{doc_id}")
    li = page.locator("section.implements li", has_text=node["doc_number"])
    assert "未收录" in li.inner_text() and (node["title"] or "") in li.inner_text()
    li.locator("a", has_text="各地落实").click()
    page.wait_for_url(re.compile(r"/implementing/."))
    assert node["doc_number"] in page.locator(".docno").inner_text()
    shot(page, "ob-10-implementing-from-document")


def _pages(api: httpx.Client, archive: Archive) -> list[tuple[str, str]]:
    unit = _unit_with_both_roles(api)["name"]
    person = api.get("/api/people").json()["people"][0]["name"]
    pair = api.get("/api/similar", params={"limit": 1}).json()["pairs"][0]
    node = archive.cited_doc_number  # the crafted document implements it
    exp = _expiring_params(api)
    return [
        ("/tasks", "tasks"), ("/tasks/unit/" + quote(unit, safe=""), "unit"),
        (f"/expiring?as_of={exp['as_of']}&within={exp['within']}", "expiring"), ("/people", "people"),
        ("/people/" + quote(person, safe=""), "person"), ("/implementing", "implementing-index"),
        ("/implementing/" + quote(node, safe=""), "implementing"),
        (f"/compare?a={pair['a']['id']}&b={pair['b']['id']}", "compare"), ("/compare", "compare-index"),
        ("/similar", "similar"), (f"/documents/{pair['a']['id']}", "document-links"),
        (f"/documents/{archive.cited_id}", "document-cited"),
    ]


def test_phone_width(browser, server: Server, api: httpx.Client, archive: Archive) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN")
    page = ctx.new_page()
    page.watch = Watch(page, server.url)
    for path, name in _pages(api, archive):
        r = page.goto(server.url + path)
        assert r is not None and r.status == 200, path
        assert CJK.search(page.locator("main").inner_text()), path
        no_horizontal_scroll(page)
        shot(page, f"ob-phone-{name}", full_page=False)
    page.watch.clean()
    ctx.close()


def test_pages_without_javascript(browser, server: Server, api: httpx.Client, archive: Archive) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport=DESKTOP, java_script_enabled=False, locale="zh-CN")
    page = ctx.new_page()
    for path, _name in _pages(api, archive):
        r = page.goto(server.url + path)
        assert r is not None and r.status == 200, path
        assert CJK.search(page.locator("main h1, main h2").first.inner_text()), path
    # links and forms work as plain HTML
    unit = _unit_with_both_roles(api)["name"]
    page.goto(server.url + "/tasks")
    page.locator("table.units a", has_text=unit).first.click()
    page.wait_for_url(re.compile(r"/tasks/unit/"))
    page.locator(".ob-sort a", has_text="按角色").click()
    page.wait_for_url(re.compile(r"sort=role"))
    page.goto(server.url + "/similar")
    page.fill('input[name="threshold"]', "0.9")
    page.locator("form.ob-form button").click()
    page.wait_for_url(re.compile(r"threshold=0.9"))
    assert page.locator("li.pair").count() == api.get("/api/similar", params={"threshold": 0.9}).json()["total"]
    page.goto(server.url + "/people")
    person = api.get("/api/people").json()["people"][0]["name"]
    page.fill('input[name="q"]', person)
    page.locator("form.search button").click()
    page.wait_for_url(re.compile(r"[?&]q="))
    assert page.locator("ul.people a", has_text=person).count() >= 1
    ctx.close()
