"""API routes and pages for what documents oblige and change (over :mod:`gongbao.obligations`).

API: ``GET /api/tasks`` (``format=csv|ics`` downloads), ``/api/units``, ``/api/expiring``, ``/api/status/{id}``,
``/api/people``, ``/api/people/{name}``, ``/api/implementing/{doc_number}``, ``/api/compare``;
feed: ``/feeds/expiring.atom``. Pages (Chinese): ``/tasks``, ``/tasks/unit/{name}``, ``/expiring``,
``/people``, ``/people/{name}``, ``/implementing``, ``/implementing/{文号}``, ``/compare``.

The router is made by :func:`make_router` with the app's store and page renderer; errors raise
``HTTPException`` (4xx), which the app renders as JSON under ``/api`` and as a Chinese page elsewhere.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from datetime import UTC, date, datetime
from html import escape
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup

from gongbao.obligations import (
    DEFAULT_SIMILARITY,
    MIN_SIMILARITY,
    ObligationIndex,
    compare,
    index_for,
    parse_day,
    parse_duration,
    tasks_csv,
    tasks_ics,
)
from gongbao.store import Store
from gongbao.web import schemas
from gongbao.web.feeds import MEDIA_TYPE as ATOM_MEDIA_TYPE
from gongbao.web.feeds import AtomEntry, atom_feed, stamp

ERR: dict[int | str, dict[str, Any]] = {
    400: {"model": schemas.ErrorResponse, "description": "Bad input (date, duration)."},
    404: {"model": schemas.ErrorResponse, "description": "No such record."},
    422: {"model": schemas.ErrorResponse, "description": "A parameter has the wrong type or range."},
    503: {"model": schemas.ErrorResponse, "description": "The archive cannot be read."},
}
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DayParam = Annotated[str | None, Query(max_length=10, pattern=DATE_PATTERN, description="YYYY-MM-DD")]
Text100 = Annotated[str | None, Query(max_length=100)]
Within = Annotated[str, Query(max_length=12, description="Horizon: 90 (days), 90d, 12w, 3m, 1y.")]
DocId = Annotated[int, Query(ge=1, le=2**63 - 1)]
NamePath = Annotated[str, PathParam(min_length=1, max_length=100)]

ROLE_LABELS = {"lead": "牵头/责任", "support": "配合"}
SORTS = {"doc": "按文件", "deadline": "按期限", "role": "按角色"}
DOC_SIMILAR_SHOWN = 5
DocPath = Annotated[int, PathParam(ge=1, le=2**63 - 1)]
Threshold = Annotated[float, Query(ge=MIN_SIMILARITY, le=1.0,
                                   description=f"Lowest similarity shown, {MIN_SIMILARITY} to 1.")]
PairLimit = Annotated[int, Query(ge=1, le=500, description="At most this many pairs.")]


def _day_or_400(text: str | None, name: str) -> date | None:
    if text is None or not text.strip():
        return None
    try:
        return parse_day(text)
    except ValueError as exc:
        raise HTTPException(400, f"{name}：{exc}") from None


def _within_or_400(text: str | None) -> int:
    try:
        return parse_duration(text or "90")
    except ValueError as exc:
        raise HTTPException(400, f"within：{exc}") from None


def _clean(value: str | None, limit: int = 100) -> str | None:
    if value is None:
        return None
    value = "".join(ch for ch in value if ch.isprintable()).strip()
    if len(value) > limit:
        raise HTTPException(400, f"参数过长（上限 {limit} 字）。")
    return value or None


def char_diff(a: str, b: str) -> tuple[Markup, Markup]:
    """Both texts escaped, with the characters that differ wrapped in ``<del>`` (a) / ``<ins>`` (b)."""
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out_a: list[str] = []
    out_b: list[str] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        pa, pb = escape(a[i1:i2]), escape(b[j1:j2])
        if tag == "equal":
            out_a.append(pa)
            out_b.append(pb)
            continue
        if pa:
            out_a.append(f"<del>{pa}</del>")
        if pb:
            out_b.append(f"<ins>{pb}</ins>")
    return Markup("".join(out_a)), Markup("".join(out_b))


def expiring_feed(items: list[dict[str, Any]], *, base_url: str, self_url: str, title: str, now: datetime) -> bytes:
    """An Atom 1.0 feed of expiring documents, one entry per document and expiry date."""
    base = base_url.rstrip("/")
    updated = stamp(now)
    entries = []
    for d in items:
        url = f"{base}/documents/{int(d['id'])}"
        summary = (f"{d.get('doc_number') or ''} {d.get('city') or ''} 有效至 {d['expires']}，"
                   f"剩 {d['days_left']} 天。依据：{d['basis']}")
        entries.append(AtomEntry(f"{url}#expires-{d['expires']}", f"{d['title']}（{d['expires']} 到期）", url,
                                 updated, summary))
    return atom_feed(entries, title=title, self_url=self_url, alternate_url=base + "/expiring", now=now)


def document_links(ix: ObligationIndex, doc_id: int) -> dict[str, Any] | None:
    """:meth:`ObligationIndex.links` of a document plus its most similar documents of other cities
    (the document page and ``/api/documents/{id}/links``)."""
    found = ix.links(doc_id)
    if found is None:
        return None
    found["similar"] = ix.similar_to(doc_id, DOC_SIMILAR_SHOWN) or []
    return found


def compare_url(pair: dict[str, Any]) -> str:
    """The comparison page of a pair (its two document ids)."""
    return f"/compare?a={int(pair['a']['id'])}&b={int(pair['b']['id'])}"


def make_router(store: Store, page: Callable[..., HTMLResponse]) -> APIRouter:
    """The routes of this module over ``store``; ``page(request, template, status, **ctx)`` renders
    a template of the app."""
    router = APIRouter()

    def index() -> ObligationIndex:
        return index_for(store)

    def task_rows(unit: str | None, due_before: str | None, city: str | None):  # type: ignore[no-untyped-def]
        ix = index()
        before = _day_or_400(due_before, "due_before")
        unit, city = _clean(unit), _clean(city)
        canonical = ix.canonical_unit(unit, city) if unit else None
        return ix.tasks(unit, before, city), canonical, before

    # ======================================================================================
    # API
    # ======================================================================================
    @router.get(
        "/api/tasks", summary="任务 Tasks with responsible units and deadlines", tags=["obligations"],
        response_class=Response,
        responses={200: {"description": "Tasks as JSON, CSV (format=csv) or iCalendar (format=ics).",
                         "content": {"application/json": {"schema": {"type": "object"}},
                                     "text/csv": {"schema": {"type": "string"}},
                                     "text/calendar": {"schema": {"type": "string"}}}}, **ERR},
    )
    def api_tasks(unit: Text100 = None, due_before: DayParam = None, city: Text100 = None,
                  format: Annotated[str, Query(pattern="^(json|csv|ics)$")] = "json") -> Response:
        """Tasks naming a unit (any alias: 市发改委 = 市发展和改革委员会), due on or before a date,
        from one city's gazettes. `format=csv` and `format=ics` download the list."""
        rows, canonical, before = task_rows(unit, due_before, city)
        if format == "csv":
            return Response("\ufeff" + tasks_csv(rows, canonical), media_type="text/csv; charset=utf-8",
                            headers={"content-disposition": 'attachment; filename="gongbao-tasks.csv"'})
        if format == "ics":
            return Response(tasks_ics(rows, f"gongbao 任务 {canonical or ''}".strip()),
                            media_type="text/calendar; charset=utf-8",
                            headers={"content-disposition": 'attachment; filename="gongbao-tasks.ics"'})
        return JSONResponse({"unit": canonical, "due_before": before.isoformat() if before else None,
                             "city": _clean(city), "total": len(rows), "tasks": [r.to_dict(canonical) for r in rows]})

    @router.get("/api/units", summary="责任单位 Units named by tasks", tags=["obligations"], responses=ERR)
    def api_units() -> Response:
        """Every responsible unit with its task counts (lead, support) and the names the alias table
        cannot resolve."""
        return JSONResponse(index().units())

    @router.get("/api/expiring", summary="即将到期 Documents expiring soon", tags=["obligations"], responses=ERR)
    def api_expiring(within: Within = "90", as_of: DayParam = None) -> Response:
        """Documents in force on `as_of` (default today) whose validity ends within `within` days."""
        days = _within_or_400(within)
        day = _day_or_400(as_of, "as_of") or date.today()
        found = index().expiring(days, day)
        return JSONResponse({"as_of": day.isoformat(), "within_days": days, "total": len(found), "documents": found})

    @router.get(
        "/feeds/expiring.atom", summary="到期提醒订阅 Atom feed of expiring documents", tags=["obligations"],
        response_class=Response,
        responses={200: {"description": "An Atom 1.0 feed, one entry per document.",
                         "content": {"application/atom+xml": {"schema": {"type": "string"}}}}, **ERR},
    )
    def feed_expiring(request: Request, within: Within = "90", as_of: DayParam = None) -> Response:
        """The documents of `/api/expiring` as an Atom feed."""
        days = _within_or_400(within)
        day = _day_or_400(as_of, "as_of") or date.today()
        found = index().expiring(days, day)
        body = expiring_feed(found, base_url=str(request.base_url), self_url=str(request.url),
                         title=f"即将到期的文件（{days} 天内）", now=datetime.now(UTC))
        return Response(body, media_type=ATOM_MEDIA_TYPE)

    @router.get("/api/status/{doc_id}", summary="时效状态 Validity status of a document", tags=["obligations"],
                responses=ERR)
    def api_status(doc_id: Annotated[int, PathParam(ge=1, le=2**63 - 1)], as_of: DayParam = None) -> Response:
        """尚未生效 / 现行有效 / 已失效 / 已废止 on `as_of` (default today) with its basis (clause and
        line), effective and expiry dates, what the document repeals and what repeals it, what it
        cites (implements) and who cites it."""
        ix = index()
        day = _day_or_400(as_of, "as_of") or date.today()
        found = ix.status(doc_id, day)
        if found is None:
            raise HTTPException(404, f"没有编号为 {doc_id} 的文件。")
        info = ix.docs[doc_id]
        node = ix.implementing(info.doc_number) if info.doc_number else None
        found["implements"] = ix.implements(doc_id)
        found["implemented_by"] = node["cities"] if node else []
        return JSONResponse(found)

    @router.get("/api/people", summary="人事任免 People", tags=["obligations"], responses=ERR)
    def api_people(q: Text100 = None) -> Response:
        """People appointed or removed, searched by name, position or organ."""
        found = index().people(_clean(q))
        return JSONResponse({"query": _clean(q), "total": len(found), "people": found})

    @router.get("/api/people/{name}", summary="人员履历 A person's timeline", tags=["obligations"], responses=ERR)
    def api_person(name: NamePath) -> Response:
        """Appointment and removal events of one person, oldest first."""
        events = index().person(name)
        if not events:
            raise HTTPException(404, "没有这个人的任免记录。")
        return JSONResponse({"name": events[0].person, "events": [e.to_dict() for e in events]})

    @router.get("/api/implementing/{doc_number}", summary="贯彻落实 Implementing documents by city",
                tags=["obligations"], responses=ERR)
    def api_implementing(doc_number: NamePath) -> Response:
        """A document (stored, or cited only) and every stored document citing it, by city."""
        found = index().implementing(doc_number)
        if found is None:
            raise HTTPException(404, "档案中没有引用这个文号的文件。")
        return JSONResponse(found)

    @router.get("/api/compare", summary="对比两份文件 Compare two documents", tags=["obligations"], responses=ERR)
    def api_compare(a: DocId, b: DocId) -> Response:
        """Two documents aligned sentence by sentence (equal / replace / insert / delete)."""
        found = compare(store, a, b)
        if found is None:
            raise HTTPException(404, "没有这份文件。")
        return JSONResponse(found)

    @router.get("/api/documents/{doc_id}/links", summary="上下级文件与相似文件 A document's links",
                tags=["obligations"], response_model=schemas.DocumentLinksResponse, responses=ERR)
    def api_document_links(doc_id: DocPath) -> Response:
        """What the document implements (the documents it cites, with level 国家/省/市及以下 and the
        stored copy when archived), who implements it (stored documents citing it, by city) and its
        most similar documents in other cities."""
        found = document_links(index(), doc_id)
        if found is None:
            raise HTTPException(404, f"没有编号为 {doc_id} 的文件。")
        return JSONResponse(found)

    @router.get("/api/documents/{doc_id}/similar", summary="相似文件 Documents of other cities like this one",
                tags=["obligations"], response_model=schemas.DocumentSimilarResponse, responses=ERR)
    def api_document_similar(doc_id: DocPath, limit: PairLimit = 20) -> Response:
        """The documents of other cities most similar to this one (Jaccard similarity of character
        4-shingles), with the 文号 both cite."""
        found = index().similar_to(doc_id, limit)
        if found is None:
            raise HTTPException(404, f"没有编号为 {doc_id} 的文件。")
        return JSONResponse({"id": doc_id, "total": len(found), "similar": found})

    @router.get("/api/similar", summary="平行政策 Near-duplicate documents across cities", tags=["obligations"],
                response_model=schemas.SimilarResponse, responses=ERR)
    def api_similar(threshold: Threshold = DEFAULT_SIMILARITY, limit: PairLimit = 50,
                    city: Text100 = None) -> Response:
        """Pairs of documents of different cities with similar text (parallel policies), most
        similar first, with the 文号 both cite; `city` keeps the pairs with one side in that city."""
        city = _clean(city)
        pairs = index().similar(threshold, limit, city)
        return JSONResponse({"threshold": threshold, "city": city, "total": len(pairs),
                             "pairs": [{**p, "compare_url": compare_url(p)} for p in pairs]})

    # ======================================================================================
    # Pages
    # ======================================================================================
    @router.get("/similar", response_class=HTMLResponse, include_in_schema=False)
    def similar_page(request: Request, threshold: str | None = None, city: str | None = None) -> HTMLResponse:
        value = _clean(threshold, 10)
        try:
            level = float(value) if value else DEFAULT_SIMILARITY
        except ValueError:
            raise HTTPException(400, f"相似度阈值应为 {MIN_SIMILARITY} 到 1 之间的数。") from None
        if not MIN_SIMILARITY <= level <= 1.0:  # NaN fails this too
            raise HTTPException(400, f"相似度阈值应为 {MIN_SIMILARITY} 到 1 之间的数。")
        city = _clean(city)
        ix = index()
        pairs = ix.similar(level, 500, city)
        cities = sorted({c for p in ix.similar_pairs() for c in (p["a"]["city"], p["b"]["city"]) if c})
        return page(request, "obligations_similar.html", title="平行政策 · 相似文件", nav="similar", pairs=pairs,
                    threshold=level, city=city, cities=cities, min_threshold=MIN_SIMILARITY,
                    large=len(ix.docs) > ix.sign_all_limit, compare_url=compare_url, quote=quote)

    @router.get("/tasks", response_class=HTMLResponse, include_in_schema=False)
    def tasks_page(request: Request, city: str | None = None) -> HTMLResponse:
        city = _clean(city)
        ix = index()
        units = ix.units()
        if city:
            units["units"] = [u for u in units["units"] if city in u["cities"]]
        cities = sorted({r.city for r in ix.task_rows if r.city})
        return page(request, "obligations_tasks.html", title="任务督办 · 责任单位", nav="tasks", units=units,
                    cities=cities, city=city, total=len(ix.task_rows), quote=quote)

    @router.get("/tasks/unit/{name}", response_class=HTMLResponse, include_in_schema=False)
    def unit_page(request: Request, name: NamePath, sort: str | None = None, city: str | None = None,
                  due_before: str | None = None) -> HTMLResponse:
        if sort is not None and sort not in SORTS:
            raise HTTPException(400, f"排序方式无效：可选 {'、'.join(SORTS)}。")
        rows, canonical, before = task_rows(name, due_before, city)
        sort = sort or "doc"
        if sort == "deadline":
            rows = sorted(rows, key=lambda r: (r.deadline is None, r.deadline or "", r.doc_id, r.line))
        elif sort == "role":
            rows = sorted(rows, key=lambda r: (r.role(canonical) != "lead", r.doc_id, r.line))
        params = {"unit": canonical, "city": _clean(city), "due_before": before.isoformat() if before else None}
        return page(request, "obligations_unit.html", title=f"{canonical} · 任务", nav="tasks", unit=canonical,
                    rows=rows, sort=sort, sorts=SORTS, roles=ROLE_LABELS, params=params,
                    page_params={k: v for k, v in params.items() if k != "unit"}, quote=quote)

    @router.get("/expiring", response_class=HTMLResponse, include_in_schema=False)
    def expiring_page(request: Request, within: str | None = None, as_of: str | None = None) -> HTMLResponse:
        days = _within_or_400(_clean(within, 12))
        day = _day_or_400(_clean(as_of, 10), "as_of") or date.today()
        found = index().expiring(days, day)
        params = {"within": str(days), "as_of": day.isoformat()}
        return page(request, "obligations_expiring.html", title="即将到期的文件", nav="expiring", docs=found,
                    days=days, as_of=day.isoformat(), params=params)

    @router.get("/people", response_class=HTMLResponse, include_in_schema=False)
    def people_page(request: Request, q: str | None = None) -> HTMLResponse:
        q = _clean(q)
        return page(request, "obligations_people.html", title="人事任免", nav="people", q=q or "",
                    people=index().people(q), quote=quote)

    @router.get("/people/{name}", response_class=HTMLResponse, include_in_schema=False)
    def person_page(request: Request, name: NamePath) -> HTMLResponse:
        events = index().person(name)
        if not events:
            raise HTTPException(404, "没有这个人的任免记录。")
        return page(request, "obligations_person.html", title=f"{events[0].person} · 任免记录", nav="people",
                    name=events[0].person, events=events)

    @router.get("/implementing", response_class=HTMLResponse, include_in_schema=False)
    def implementing_index(request: Request) -> HTMLResponse:
        return page(request, "obligations_implementing.html", title="上级文件与贯彻落实", nav="implementing",
                    nodes=index().cited_nodes(1), node=None, quote=quote)

    @router.get("/implementing/{doc_number}", response_class=HTMLResponse, include_in_schema=False)
    def implementing_page(request: Request, doc_number: NamePath) -> HTMLResponse:
        found = index().implementing(doc_number)
        if found is None:
            raise HTTPException(404, "档案中没有引用这个文号的文件。")
        return page(request, "obligations_implementing.html", title=f"{found['doc_number']} · 贯彻落实",
                    nav="implementing", node=found, nodes=None, quote=quote)

    @router.get("/compare", response_class=HTMLResponse, include_in_schema=False)
    def compare_page(request: Request, a: str | None = None, b: str | None = None) -> HTMLResponse:
        a, b = _clean(a, 20), _clean(b, 20)
        if not a and not b:
            ix = index()
            # MinHash over every text costs ~7 ms a document: only small archives get it on a page.
            near = ix.near_duplicates(0.3) if len(ix.docs) <= ix.sign_all_limit else None
            return page(request, "obligations_compare.html", title="文件对比", nav="compare", result=None,
                        pairs=near, parallel=ix.parallel_policies(), rows=[])
        ids = []
        for v in (a, b):
            if not v or not v.isascii() or not v.isdigit() or not 0 < int(v) < 2**63:
                raise HTTPException(400, "请给出两份文件的编号：/compare?a=编号&b=编号。")
            ids.append(int(v))
        result = compare(store, ids[0], ids[1])
        if result is None:
            raise HTTPException(404, "没有这份文件。")
        rows = []
        for s in result["segments"]:
            if s["op"] == "replace":
                ha, hb = char_diff(s["a"], s["b"])
            else:
                ha, hb = Markup(escape(s["a"])), Markup(escape(s["b"]))
            rows.append({"op": s["op"], "a": ha, "b": hb})
        return page(request, "obligations_compare.html", title="文件对比", nav="compare", result=result,
                    rows=rows, pairs=None, parallel=None)

    return router
