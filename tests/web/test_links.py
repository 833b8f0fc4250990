"""A document's links (what it implements, who implements it, similar documents of other cities),
the near-duplicates API and page, and 405 answers, over real HTTP against the test server (samples
plus the crafted gazette, see conftest.py)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import quote

import httpx
import pytest

from .webutil import CRAFTED_CITY, XSS, Archive, Server, copy_archive, crafted_gazette, serve_in_thread

UPPER = "国办发〔2019〕15号"  # cited by one 朔州 and one 阳泉 document of the samples
HOSTILE = "<svg/onload=alert(1)>"  # no whitespace: the citation title keeps it whole


def _implementers(api: httpx.Client, doc_number: str) -> dict[str, list[int]]:
    node = api.get("/api/implementing/" + quote(doc_number, safe="")).json()
    return {c["city"]: [d["id"] for d in c["documents"]] for c in node["cities"]}


def test_links_of_a_cited_document(api: httpx.Client, archive: Archive) -> None:
    """The document the crafted gazette cites is implemented by the crafted document, under its
    city; the crafted document implements it (stored, with a link target)."""
    r = api.get(f"/api/documents/{archive.cited_id}/links")
    assert r.status_code == 200
    links = r.json()
    by_city = {c["city"]: [d["id"] for d in c["documents"]] for c in links["implemented_by"]}
    assert archive.crafted_id in by_city[CRAFTED_CITY]
    assert links["implemented_by_count"] == sum(len(v) for v in by_city.values())
    assert by_city == _implementers(api, archive.cited_doc_number)  # the same graph as /implementing

    crafted = api.get(f"/api/documents/{archive.crafted_id}/links").json()
    up = next(u for u in crafted["implements"] if u["doc_number"] == archive.cited_doc_number)
    assert [s["id"] for s in up["stored"]] == [archive.cited_id]
    assert up["title"] == api.get(f"/api/documents/{archive.cited_id}").json()["title"]


def test_links_of_an_unarchived_upper_document(api: httpx.Client) -> None:
    """A 国办发 document not in the archive: level 国家, the title the citing text gives, no stored
    copy; both implementing documents list it."""
    by_city = _implementers(api, UPPER)
    for ids in by_city.values():
        links = api.get(f"/api/documents/{ids[0]}/links").json()
        up = next(u for u in links["implements"] if u["doc_number"] == UPPER)
        assert up["level"] == "国家" and up["stored"] == [] and "婴幼儿照护" in up["title"]
        assert all(u["level"] in ("国家", "省", "市及以下", "其他") for u in links["implements"])


def test_similar_pairs_api(api: httpx.Client) -> None:
    r = api.get("/api/similar")
    assert r.status_code == 200
    data = r.json()
    pairs = data["pairs"]
    assert data["total"] == len(pairs) > 0 and data["threshold"] == 0.2
    scores = [p["jaccard"] for p in pairs]
    assert scores == sorted(scores, reverse=True) and min(scores) >= 0.2 and max(scores) <= 1
    assert all(p["a"]["city"] != p["b"]["city"] for p in pairs)  # across cities only
    assert all(p["compare_url"] == f"/compare?a={p['a']['id']}&b={p['b']['id']}" for p in pairs)
    # the two cities' documents implementing the same 国办发 document are a pair sharing that citation
    ids = sorted(v[0] for v in _implementers(api, UPPER).values())
    pair = next(p for p in pairs if [p["a"]["id"], p["b"]["id"]] == ids)
    assert UPPER in pair["shared_citations"]
    assert api.get(pair["compare_url"]).status_code == 200

    # a higher threshold keeps a subset; limit and city filter
    high = api.get("/api/similar", params={"threshold": max(scores)}).json()["pairs"]
    assert 0 < len(high) < len(pairs) or max(scores) == min(scores)
    assert all(p in pairs for p in high)
    assert len(api.get("/api/similar", params={"limit": 1}).json()["pairs"]) == 1
    city = pairs[0]["a"]["city"]
    only = api.get("/api/similar", params={"city": city}).json()
    assert only["city"] == city and only["pairs"]
    assert all(city in (p["a"]["city"], p["b"]["city"]) for p in only["pairs"])
    assert api.get("/api/similar", params={"city": "没有这个城市"}).json()["total"] == 0


def test_document_similar_matches_the_pairs(api: httpx.Client) -> None:
    pairs = api.get("/api/similar", params={"limit": 500}).json()["pairs"]
    for p in pairs:
        for me, other in ((p["a"], p["b"]), (p["b"], p["a"])):
            found = api.get(f"/api/documents/{me['id']}/similar").json()
            assert found["total"] == len(found["similar"])
            hit = next(s for s in found["similar"] if s["other"]["id"] == other["id"])
            assert hit["jaccard"] == p["jaccard"] and hit["shared_citations"] == p["shared_citations"]
            assert all(s["other"]["city"] != me["city"] for s in found["similar"])


@pytest.mark.parametrize("path, params, status", [
    ("/api/similar", {"threshold": "0"}, 422),
    ("/api/similar", {"threshold": "1.5"}, 422),
    ("/api/similar", {"threshold": "-1"}, 422),
    ("/api/similar", {"threshold": "abc"}, 422),
    ("/api/similar", {"threshold": "nan"}, 422),
    ("/api/similar", {"threshold": "inf"}, 422),
    ("/api/similar", {"limit": "0"}, 422),
    ("/api/similar", {"limit": "100000"}, 422),
    ("/api/similar", {"city": "x" * 500}, 422),
    ("/api/documents/0/links", {}, 422),
    ("/api/documents/abc/links", {}, 422),
    ("/api/documents/999999999/links", {}, 404),
    ("/api/documents/999999999/similar", {}, 404),
    ("/api/documents/1/similar", {"limit": "-3"}, 422),
    ("/feeds/expiring.atom", {"within": "soon"}, 400),
    ("/similar", {"threshold": XSS}, 400),
    ("/similar", {"threshold": "nan"}, 400),
    ("/similar", {"threshold": "7"}, 400),
    ("/similar", {"city": "x" * 500}, 400),
    ("/documents/999999999", {}, 404),
])
def test_bad_parameters_are_4xx(api: httpx.Client, path: str, params: dict[str, str], status: int) -> None:
    r = api.get(path, params=params)
    assert r.status_code == status, r.text[:300]
    assert "<script>alert" not in r.text
    if path.startswith(("/api/", "/feeds/")):
        assert r.headers["content-type"].startswith("application/json") and "detail" in r.json()


def test_document_page_panels(api: httpx.Client, archive: Archive) -> None:
    """The cited document's page lists the crafted document under its city; the crafted page links
    to the cited document; a document with similar ones links to the comparison view."""
    r = api.get(f"/documents/{archive.cited_id}")
    assert r.status_code == 200
    html = r.text
    section = html[html.index('class="links implemented-by"'):]
    section = section[:section.index("</section>")]
    assert CRAFTED_CITY in section and f'href="/documents/{archive.crafted_id}"' in section

    html = api.get(f"/documents/{archive.crafted_id}").text
    section = html[html.index('class="links implements"'):]
    section = section[:section.index("</section>")]
    assert f'href="/documents/{archive.cited_id}"' in section
    assert f'href="/implementing/{quote(archive.cited_doc_number, safe="")}"' in section

    pair = api.get("/api/similar", params={"limit": 1}).json()["pairs"][0]
    html = api.get(f"/documents/{pair['a']['id']}").text
    section = html[html.index('class="links similar"'):]
    section = section[:section.index("</section>")]
    assert f'/compare?a={pair["a"]["id"]}&amp;b={pair["b"]["id"]}' in section
    assert unescape(pair["b"]["title"]) in unescape(section) and f"{pair['jaccard']:.2f}" in section


def test_similar_page(api: httpx.Client) -> None:
    data = api.get("/api/similar").json()
    r = api.get("/similar")
    assert r.status_code == 200 and "平行政策" in r.text
    assert r.text.count('class="hit pair"') == data["total"]
    for p in data["pairs"]:
        assert f'href="/compare?a={p["a"]["id"]}&amp;b={p["b"]["id"]}"' in r.text
    assert 'href="/similar"' in api.get("/").text  # in the navigation
    city = data["pairs"][0]["a"]["city"]
    only = api.get("/api/similar", params={"city": city}).json()["total"]
    assert api.get("/similar", params={"city": city}).text.count('class="hit pair"') == only


def test_hostile_titles_are_escaped_in_the_panels(scratch_server: Server) -> None:
    """A citation whose title carries markup shows escaped on the citing document's page and in
    the /implementing view."""
    cited = f"《国务院办公厅关于{HOSTILE}加强网页安全的意见》（国办发〔2099〕7号）"
    text = crafted_gazette(cited, city="核验乙市", year=2026, issue=2, number=9)
    with scratch_server.client() as c:
        r = c.post("/api/issues", files={"file": ("h.txt", text.encode("utf-8"), "text/plain")},
                   headers={"Authorization": f"Bearer {scratch_server.token}"})
        assert r.status_code in (200, 201), r.text
        doc_id = c.get("/api/search", params={"doc_number": "核政办发〔2026〕9号"}).json()["hits"][0]["id"]
        links = c.get(f"/api/documents/{doc_id}/links").json()
        assert any(HOSTILE in (u["title"] or "") for u in links["implements"])  # JSON keeps the text
        for path in (f"/documents/{doc_id}", "/implementing/" + quote("国办发〔2099〕7号", safe="")):
            page = c.get(path)
            assert page.status_code == 200
            assert "<svg" not in page.text and "&lt;svg/onload=alert(1)&gt;" in page.text


@pytest.mark.parametrize("method, path", [
    ("POST", "/similar"), ("DELETE", "/documents/1"), ("PUT", "/tasks"), ("POST", "/compare"),
    ("PUT", "/upload"), ("POST", "/api/similar"), ("DELETE", "/api/documents/1/links"),
    ("POST", "/feeds/expiring.atom"), ("POST", "/static/style.css"), ("PATCH", "/"),
])
def test_every_405_names_the_allowed_methods(server: Server, method: str, path: str) -> None:
    with server.client() as c:
        r = c.request(method, path)
        allow = {m.strip() for m in r.headers.get("allow", "").split(",") if m.strip()}
        assert r.status_code == 405, r.text[:200]
        assert "GET" in allow and method not in allow
        if path == "/upload":
            assert "POST" in allow  # GET and POST are two routes: both named
        # the allowed methods do answer
        assert c.request("HEAD" if "HEAD" in allow else "GET", path).status_code < 500
        if not path.startswith(("/api/", "/feeds/", "/static/")):
            assert r.headers["content-type"].startswith("text/html") and "不支持" in r.text


def test_feed_is_documented(api: httpx.Client) -> None:
    spec = api.get("/openapi.json").json()
    op = spec["paths"]["/feeds/expiring.atom"]["get"]
    assert "application/atom+xml" in op["responses"]["200"]["content"]
    for path in ("/api/similar", "/api/documents/{doc_id}/links", "/api/documents/{doc_id}/similar"):
        ok = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert re.fullmatch(r"#/components/schemas/\w+", ok["$ref"])
    r = api.get("/feeds/expiring.atom", params={"as_of": "2022-08-01"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")


def test_document_page_reuses_the_index(archive: Archive, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two document pages and a links request in a row use one index (no rebuild per request); an
    ingest makes the next request see a new one."""
    from gongbao.obligations import index_for
    from gongbao.store import open_store
    from gongbao.web.app import create_app

    db = copy_archive(archive.db, tmp_path / "copy.db")
    with (open_store(db) as store, serve_in_thread(create_app(store)) as url,
          httpx.Client(base_url=url, timeout=30) as client):
        assert client.get(f"/documents/{archive.cited_id}").status_code == 200
        first = index_for(store)
        assert client.get(f"/documents/{archive.crafted_id}").status_code == 200
        assert client.get(f"/api/documents/{archive.cited_id}/links").status_code == 200
        assert index_for(store) is first
        from gongbao.ingest import ingest_text

        ingest_text(store, crafted_gazette(UPPER, city="核验丙市", year=2027, issue=1, number=3), "c.txt")
        assert client.get(f"/documents/{archive.cited_id}").status_code == 200
        assert index_for(store) is not first
