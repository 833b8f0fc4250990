"""The web UI driven as a person would, in Debian's headless chromium (Playwright, no browser
download). Screenshots of every page go to artifacts/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from .webutil import CRAFTED_DOC_NUMBER, SCREENSHOTS, XSS, Archive, Server, crafted_gazette

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


class Watch:
    """Everything a page did that a test should object to: requests off the test server (a CDN),
    JavaScript errors, alert() dialogs, HTTP 5xx answers."""

    def __init__(self, page, base: str) -> None:  # type: ignore[no-untyped-def]
        self.offsite: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.server_errors: list[str] = []

        def route(r) -> None:  # type: ignore[no-untyped-def]
            if r.request.url.startswith(base) or r.request.url.startswith("data:"):
                r.continue_()
            else:
                self.offsite.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        # Console errors include Content-Security-Policy violations; a 4xx page we asked for
        # (refused upload, bad query) logs "Failed to load resource", which is expected.
        page.on("console", lambda m: m.type == "error" and not m.text.startswith("Failed to load resource")
                and self.errors.append(m.text))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("response", lambda r: r.status >= 500 and self.server_errors.append(f"{r.status} {r.url}"))

    def clean(self) -> None:
        assert not self.offsite, f"requests left the server: {self.offsite}"
        assert not self.dialogs, f"a script ran: {self.dialogs}"
        assert not self.errors, f"JavaScript errors: {self.errors}"
        assert not self.server_errors, self.server_errors


@pytest.fixture
def page(browser, server: Server) -> Iterator[object]:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    p = ctx.new_page()
    p.watch = Watch(p, server.url)
    yield p
    p.watch.clean()
    ctx.close()


def shot(page, name: str, full_page: bool = True) -> None:  # type: ignore[no-untyped-def]
    # caret="initial": hiding the caret would inject a <style>, which our CSP (rightly) blocks.
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page, caret="initial")


def no_horizontal_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, f"page is {width}px wide"


def test_cjk_font_is_available(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    page.goto(server.url + "/")
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"', '公报')"), \
        "no CJK font: apt-get install fonts-noto-cjk"


def test_search_filter_open_outline(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    page.goto(server.url + "/")
    shot(page, "01-home")
    total_all = int(page.locator(".count .total").inner_text())
    # Type a query cut from the first listed title, press Enter.
    first_title = page.locator(".hit h2 a").first.inner_text()
    term = first_title[-6:-2]
    page.fill("#q", term)
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"[?&]q="))
    page.wait_for_selector(".hit")
    total = int(page.locator(".count .total").inner_text())
    assert 1 <= total <= total_all
    assert term in page.locator(".hit h2").first.inner_text()
    assert page.locator(".hit mark").count() >= 1  # highlighted
    shot(page, "02-search")

    # Filter by the first value of the 城市 facet: the result count becomes the facet's count.
    facet = page.locator('.facet[data-facet="city"] li a').locator("visible=true").first
    expected = int(facet.locator(".count").inner_text())
    value = facet.locator(".fv").inner_text()
    facet.click()
    page.wait_for_url(re.compile(r"[?&]city="))
    page.wait_for_selector(".chip")
    assert int(page.locator(".count .total").inner_text()) == expected
    assert parse_qs(urlsplit(page.url).query)["city"] == [value]
    shot(page, "03-search-filtered")

    # Open the first document; its metadata panel shows the 文号 etc.
    title = page.locator(".hit h2 a").first.inner_text()
    page.locator(".hit h2 a").first.click()
    page.wait_for_selector(".doc-head h1")
    assert page.locator(".doc-head h1").inner_text() == title
    assert page.locator(".meta-panel dt", has_text="所在公报").count() == 1
    shot(page, "04-document")


def test_outline_jumps_to_heading(page, server: Server, archive: Archive) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server.url}/documents/{archive.crafted_id}")
    links = page.locator(".outline a").locator("visible=true")
    assert links.count() >= 3
    last = links.nth(links.count() - 1)
    label = last.locator(".label").inner_text()
    href = last.get_attribute("href")
    assert href.startswith("#L")
    last.click()
    page.wait_for_function("location.hash.length > 1")
    target = page.locator(href)
    assert label in target.inner_text()
    box = target.bounding_box()
    assert box is not None and 0 <= box["y"] < DESKTOP["height"], box  # scrolled into view
    assert page.evaluate(f"document.querySelector('{href}').matches(':target')")


def test_document_page_parts(page, server: Server, archive: Archive) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server.url}/documents/{archive.crafted_id}")
    assert page.locator(".m-doc_number").inner_text() == CRAFTED_DOC_NUMBER
    # The table is an HTML table with its header and rows.
    table = page.locator(".doc-body table").first
    assert table.locator("thead th").count() == 3 and table.locator("tbody tr").count() == 2
    # "Source lines": the OCR lines behind a paragraph, shown on demand, with line numbers.
    para = page.locator(".para").nth(1)
    para.locator("details.src summary").click()
    src = para.locator("details.src pre")
    assert src.is_visible() and re.search(r"\d", src.locator(".ln").first.inner_text())
    # Hostile text from the gazette shows as text and runs nothing.
    hostile = page.locator(".para", has_text="检查内容")
    hostile.locator("details.src summary").click()
    assert XSS in hostile.locator("details.src pre").inner_text()
    assert page.locator(".doc-body script").count() == 0
    shot(page, "05-document-crafted")
    page.goto(f"{server.url}/documents/{archive.crafted_id}/source")
    assert XSS in page.locator(".source-lines").inner_text()
    shot(page, "06-source-lines")


def test_follow_citation_and_cited_by(page, server: Server, archive: Archive) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server.url}/documents/{archive.crafted_id}")
    link = page.locator(".doc-body a.cite").first
    assert link.inner_text() == archive.cited_doc_number
    link.click()
    page.wait_for_url(f"**/documents/{archive.cited_id}")
    assert page.locator(".m-doc_number").inner_text() == archive.cited_doc_number
    back = page.locator(".cited-by a", has_text="网页安全检查办法")
    assert back.count() == 1
    back.click()
    page.wait_for_url(re.compile(rf"/documents/{archive.crafted_id}"))


def test_issue_page_and_browse(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    page.goto(server.url + "/issues")
    shot(page, "07-browse")
    cities = page.locator(".browse-filter[aria-label='按城市'] a:not(.on)")
    assert cities.count() >= 2
    city = cities.first.inner_text()
    cities.first.click()
    page.wait_for_url(re.compile(r"city="))
    assert [h.inner_text() for h in page.locator(".city h2").all()] == [city]
    page.locator(".issue-list a").first.click()
    page.wait_for_selector(".masthead h1")
    assert city in page.locator(".crumbs").inner_text()
    entries = page.locator(".toc li a")
    assert entries.count() >= 1
    shot(page, "08-issue")
    title = entries.first.inner_text()
    entries.first.click()
    page.wait_for_selector(".doc-head h1")
    assert page.locator(".doc-head h1").inner_text().replace("\n", "") == title.replace("\n", "")


def test_hostile_query_in_the_page(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    page.goto(server.url + "/")
    page.fill("#q", XSS + ' "外资 OR -')
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"q="))
    page.wait_for_selector(".results")
    assert page.input_value("#q").startswith(XSS)
    assert XSS in page.locator(".results").inner_text() or page.locator(".error").count()
    page.goto(server.url + "/?q=" + "外" * 3000)
    assert page.locator(".error").count() == 1 and "过长" in page.locator(".error").inner_text()


def test_live_search_with_htmx(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    """With JavaScript, typing alone updates the results (htmx) and the address bar."""
    page.goto(server.url + "/")
    page.wait_for_function("window.htmx !== undefined")
    title = page.locator(".hit h2 a").nth(2).inner_text()
    page.locator("#q").press_sequentially(title[:4], delay=30)
    page.wait_for_url(re.compile(r"[?&]q="), timeout=10000)
    page.wait_for_function("q => document.querySelector('.results p.count').innerText.includes('「' + q + '」')",
                           arg=title[:4])
    assert page.locator(".hit").count() >= 1 and page.locator(".hit mark").count() >= 1
    assert page.locator("header.site").count() == 1  # swapped the results only, not the whole page


def test_sort_newest_and_subscribe(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    """The order toggle re-sorts the results and survives paging; the feed link gives the same search."""
    page.goto(server.url + "/?q=通知")
    page.click("p.sort a:has-text('最新收录')")
    page.wait_for_url(re.compile(r"order=newest"))
    page.wait_for_selector("p.sort strong:has-text('最新收录')")
    ids = [int(h.split("/")[-1]) for h in page.locator(".hit h2 a").evaluate_all("els => els.map(e => e.href)")]
    assert len(ids) > 1 and ids == sorted(ids, reverse=True)
    page.click(".pager a.next")
    page.wait_for_url(re.compile(r"cursor="))
    more = [int(h.split("/")[-1]) for h in page.locator(".hit h2 a").evaluate_all("els => els.map(e => e.href)")]
    assert more and max(more) < min(ids)  # page 2 continues the same order
    feed = page.locator("a.feed").get_attribute("href")
    assert feed.startswith("/feeds/search.atom?") and "q=%E9%80%9A%E7%9F%A5" in feed and "order" not in feed
    r = page.request.get(server.url + feed)
    assert r.ok and r.headers["content-type"].startswith("application/atom+xml") and "<entry>" in r.text()


def test_search_without_javascript(browser, server: Server) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = ctx.new_page()
    page.goto(server.url + "/")
    term = page.locator(".hit h2 a").first.inner_text()[:3]
    page.fill("#q", term)
    page.click("form.search button")
    page.wait_for_url(re.compile(r"[?&]q="))
    assert int(page.locator(".count .total").inner_text()) >= 1
    page.locator(".facet li a").locator("visible=true").first.click()
    page.wait_for_selector(".chip")
    nxt = page.locator(".pager a.next")
    if nxt.count():
        nxt.click()
        page.wait_for_url(re.compile(r"cursor="))
        assert page.locator(".hit").count() >= 1
    ctx.close()


def test_phone_width(browser, server: Server, archive: Archive) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    page.watch = Watch(page, server.url)
    for path, name in [("/", "phone-search"), (f"/documents/{archive.crafted_id}", "phone-document"),
                       (f"/documents/{archive.cited_id}", "phone-document-cited"), ("/issues", "phone-browse")]:
        page.goto(server.url + path)
        no_horizontal_scroll(page)
        shot(page, name, full_page=False)  # what a phone shows first
    page.goto(server.url + "/issues")
    page.locator(".issue-list a").first.click()
    page.wait_for_selector(".toc")
    no_horizontal_scroll(page)
    shot(page, "phone-issue", full_page=False)
    # Filters fold into a <details> on a phone: open it, pick a year.
    page.goto(server.url + "/")
    assert page.locator("aside.facets").is_hidden()
    page.locator("details.facets summary").click()
    year = page.locator('details.facets .facet[data-facet="year"] li a').first
    expected = int(year.locator(".count").inner_text())
    year.click()
    page.wait_for_url(re.compile(r"year="))
    assert int(page.locator(".count .total").inner_text()) == expected
    # So does the outline: open it and jump.
    page.goto(f"{server.url}/documents/{archive.crafted_id}")
    page.locator("details.outline summary").click()
    link = page.locator("details.outline a").last
    href = link.get_attribute("href")
    link.click()
    page.wait_for_function("location.hash.length > 1")
    box = page.locator(href).bounding_box()
    assert box is not None and 0 <= box["y"] < PHONE["height"]
    shot(page, "phone-outline-jump", full_page=False)
    page.watch.clean()
    ctx.close()


def test_api_docs_offline(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    page.goto(server.url + "/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20000)
    assert "gongbao" in page.locator(".swagger-ui .info .title").inner_text()
    page.get_by_text("/api/search", exact=True).first.wait_for()
    shot(page, "09-api-docs")


def test_upload_page(browser, scratch_server: Server, server_no_token: Server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    gazette = tmp_path / "浏览器市-2023-01.txt"
    gazette.write_text(crafted_gazette("国发〔2018〕32号", city="浏览器市", number=3), encoding="utf-8")
    ctx = browser.new_context(viewport=DESKTOP)
    page = ctx.new_page()
    page.watch = Watch(page, scratch_server.url)
    page.goto(scratch_server.url + "/upload")
    shot(page, "10-upload")
    # Wrong token: refused, nothing stored.
    page.fill("input[name=token]", "not-the-token")
    page.set_input_files("input[name=file]", str(gazette))
    page.click("form.upload button")
    page.wait_for_selector(".error")
    assert "令牌" in page.locator(".error").inner_text()
    shot(page, "11-upload-refused")
    assert page.request.get(scratch_server.url + "/api/search", params={"city": "浏览器市"}).json()["total"] == 0
    # The right token: stored, and we land on the new issue's page.
    page.fill("input[name=token]", scratch_server.token)
    page.set_input_files("input[name=file]", str(gazette))
    page.click("form.upload button")
    page.wait_for_selector(".masthead h1")
    assert "浏览器市" in page.locator(".masthead h1").inner_text()
    assert "上传成功" in page.locator(".ok").inner_text()
    shot(page, "12-upload-done")
    page.watch.clean()
    ctx.close()

    ctx = browser.new_context(viewport=DESKTOP)
    page = ctx.new_page()
    page.goto(server_no_token.url + "/upload")
    assert "未启用上传" in page.locator(".error").inner_text()
    assert page.locator("form.upload").count() == 0
    assert page.locator("header nav a", has_text="上传").count() == 0
    ctx.close()
