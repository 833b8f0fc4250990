"""The web app: a Chinese reading interface and a JSON API over one :class:`~gongbao.store.Store`.

>>> app = create_app("archive.db", admin_token="s3cret")   # doctest: +SKIP
>>> uvicorn.run(app)                                       # doctest: +SKIP

Pages (server-rendered, work without JavaScript; htmx only makes them smoother):
``/`` search with facets, ``/documents/{id}`` a document, ``/documents/{id}/source`` its OCR lines,
``/issues`` browse by city and year, ``/issues/{id}`` an issue's masthead and 目录, ``/upload``.

API (``/openapi.json``, interactive docs at ``/docs`` served from the package):
``GET /api/search``, ``/api/documents/{id}``, ``/api/documents/{id}/source``, ``/api/issues``,
``/api/issues/{id}``, ``/api/export``, ``/api/stats``; ``POST /api/issues`` and
``DELETE /api/issues/{id}`` (admin token).
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import threading
from collections.abc import Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import Depends, FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gongbao.export import MEDIA_TYPES, export_lines, join_issuer
from gongbao.store import FACETS, QueryError, SearchFilters, Store, StoreError, open_store
from gongbao.store.base import MAX_LIMIT, DocRef, IssueSummary
from gongbao.store.query import MAX_QUERY_CHARS
from gongbao.web import feeds, render, schemas

log = logging.getLogger("gongbao.web")

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

ADMIN_TOKEN_ENV = "GONGBAO_ADMIN_TOKEN"
DEFAULT_MAX_UPLOAD_BYTES = 16 * 1024 * 1024
PAGE_SIZE = 20
#: Longest raw query accepted over HTTP at all; the store refuses long *folded* queries itself.
MAX_RAW_QUERY = 20_000
#: uvicorn settings every server of this app uses. h11 rejects a request line longer than its
#: incomplete-event limit (16 KB by default) with a plain-text 400 only when the line arrives in
#: more than one read, so a long query got the app's clear JSON 4xx or that bare 400 depending on
#: timing: with room for any query up to MAX_RAW_QUERY characters percent-encoded (9 bytes per
#: character), the app always answers.
SERVER_OPTIONS: dict[str, Any] = {"h11_max_incomplete_event_size": 9 * MAX_RAW_QUERY + 64 * 1024}
MAX_ID = 2**63 - 1
UPLOAD_PATHS = ("/api/issues", "/upload")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# The Swagger UI page starts itself with one inline script.
CSP_DOCS = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)

# Query parameter types of the API (module level: annotations are resolved from module globals).
Q = Annotated[str | None, Query(max_length=MAX_QUERY_CHARS,
                                description="Search text (see the syntax in the API description).")]
F = Annotated[str | None, Query(max_length=200)]
DATE_PATTERN = r"^[0-9]{4}(-[0-9]{1,2}(-[0-9]{1,2})?)?$"
DocNo = Annotated[str | None, Query(max_length=100, description="A 文号, any bracket variant.")]
IssueIdFilter = Annotated[int | None, Query(ge=1, le=2**62 - 1)]
DocId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
Year = Annotated[int | None, Query(ge=1, le=9999)]
Order = Annotated[Literal["relevance", "newest"], Query(
    description="relevance: BM25, title hits first (text matching up to a few thousand documents; broader "
                "ones list newest first anyway); newest: most recently added first.")]
FEED_SIZE = 50

#: Uploads: ``Authorization: Bearer <GONGBAO_ADMIN_TOKEN>`` (shown as "Authorize" in /docs).
BEARER = HTTPBearer(auto_error=False, scheme_name="adminToken",
                    description="The server's GONGBAO_ADMIN_TOKEN; uploads are disabled when it is not set.")

ERR = {
    400: {"model": schemas.ErrorResponse, "description": "Bad input (query syntax, cursor, filter value)."},
    404: {"model": schemas.ErrorResponse, "description": "No such record."},
    422: {"model": schemas.ErrorResponse, "description": "A parameter has the wrong type or range."},
    503: {"model": schemas.ErrorResponse, "description": "The archive cannot be read."},
}


# --------------------------------------------------------------------------------------------
# ASGI middleware: security headers, and the upload size limit enforced while the body streams in.
# --------------------------------------------------------------------------------------------
class UploadTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"上传文件过大：上限为 {limit // (1024 * 1024)} MB（{limit:,} 字节）。")


class _BodyLimit:
    """Refuse request bodies over ``limit`` bytes on the upload paths: at once from Content-Length,
    else as soon as the streamed body passes the limit (nothing is parsed or stored)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or scope.get("path") not in UPLOAD_PATHS:
            await self.app(scope, receive, send)
            return
        # Multipart framing adds a little; allow 64 KiB of it on top of the file limit.
        limit = self.limit + 65536
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = -1
                if length > limit:
                    body = json.dumps({"detail": UploadTooLarge(self.limit).detail}, ensure_ascii=False).encode()
                    await send({"type": "http.response.start", "status": 413, "headers": [
                        (b"content-type", b"application/json; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
                    await send({"type": "http.response.body", "body": body})
                    return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise UploadTooLarge(self.limit)
            return message

        await self.app(scope, limited, send)


class _SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = (CSP_DOCS if scope.get("path") == "/docs" else CSP).encode()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", csp),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --------------------------------------------------------------------------------------------
# Helpers shared by API and pages
# --------------------------------------------------------------------------------------------
_CONTROLS = {c: None for c in range(32) if chr(c) not in "\t\n\r"} | {0x7F: None}


def _clean(value: str | None) -> str | None:
    """Empty -> None. Control characters (NUL, ...) occur in no stored text; they are dropped so
    that no backend ever sees them (PostgreSQL refuses NUL in text)."""
    if value is None:
        return None
    value = value.translate(_CONTROLS).strip()
    return value or None


def _year(value: str | int | None) -> int | None:
    if value is None or isinstance(value, int):
        return value
    value = value.strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 9999:
        raise QueryError(f"年份应为四位数字，而不是「{value[:20]}」。")
    return int(value)


def make_filters(
    *, city: str | None = None, year: str | int | None = None, date_from: str | None = None,
    date_to: str | None = None, section: str | None = None, doc_type: str | None = None,
    issuer: str | None = None, doc_number: str | None = None, issue_id: int | None = None,
) -> SearchFilters:
    return SearchFilters(
        city=_clean(city), year=_year(year), date_from=_clean(date_from),
        date_to=_clean(date_to), section=_clean(section), doc_type=_clean(doc_type),
        issuer=_clean(issuer), doc_number=_clean(doc_number), issue_id=issue_id,
    )


@dataclass
class FilterParams:
    """The filter query parameters of /api/search, /api/export and /feeds/search.atom."""

    city: F = None
    year: Year = None
    date_from: Annotated[str | None, Query(alias="from", max_length=10, pattern=DATE_PATTERN,
                                           description="成文日期 from (YYYY[-MM[-DD]]).")] = None
    date_to: Annotated[str | None, Query(alias="to", max_length=10, pattern=DATE_PATTERN,
                                         description="成文日期 to, inclusive.")] = None
    section: F = None
    type: Annotated[str | None, Query(max_length=200, description="文种, e.g. 通知.")] = None
    issuer: F = None
    doc_number: DocNo = None
    issue_id: IssueIdFilter = None

    def filters(self) -> SearchFilters:
        return make_filters(city=self.city, year=self.year, date_from=self.date_from, date_to=self.date_to,
                            section=self.section, doc_type=self.type, issuer=self.issuer,
                            doc_number=self.doc_number, issue_id=self.issue_id)

    def params(self) -> dict[str, Any]:
        """As page query parameters (the names the search page uses)."""
        return {"city": self.city, "year": self.year, "from": self.date_from, "to": self.date_to,
                "section": self.section, "type": self.type, "issuer": self.issuer, "doc_number": self.doc_number}


Filters = Annotated[FilterParams, Depends()]


def _check_query(q: str | None) -> str:
    """Control characters become spaces (they can only come from a broken client)."""
    return (q or "").translate({c: " " for c in _CONTROLS})


def _group_issues(issues: list[IssueSummary]) -> list[tuple[str, list[tuple[int | None, list[IssueSummary]]]]]:
    """city -> year -> issues, cities by name, years newest first, issues by number."""
    by_city: dict[str, dict[int | None, list[IssueSummary]]] = {}
    for s in issues:
        by_city.setdefault(s.city or "未知城市", {}).setdefault(s.year, []).append(s)
    out = []
    for city in sorted(by_city):
        years = sorted(by_city[city].items(), key=lambda kv: -(kv[0] or 0))
        out.append((city, [(y, sorted(v, key=lambda s: (s.issue or 0, s.id))) for y, v in years]))
    return out


# --------------------------------------------------------------------------------------------
# The app
# --------------------------------------------------------------------------------------------
def create_app(
    store_url_or_path: str | os.PathLike[str] | Store | None,
    admin_token: str | None = None,
    *,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
) -> FastAPI:
    """The FastAPI app over the archive at ``store_url_or_path`` (a SQLite path, a
    ``postgresql://`` URL, or an open :class:`Store`). Uploads need ``admin_token``; with none,
    they are disabled."""
    store = store_url_or_path if isinstance(store_url_or_path, Store) else open_store(store_url_or_path)
    owns_store = not isinstance(store_url_or_path, Store)
    token = (admin_token or "").strip() or None

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # type: ignore[no-untyped-def]
        # The archive into the page cache in the background: the first searches after a (re)start
        # would otherwise wait for the disk (see Store.warm).
        threading.Thread(target=_warm, args=(store,), name="gongbao-warm", daemon=True).start()
        yield
        if owns_store:
            store.close()

    app = FastAPI(
        title="gongbao 公报档案 API",
        version=_version(),
        description=(
            "Search and read an archive of Chinese government gazettes (政府公报).\n\n"
            "Search syntax: words are ANDed; `\"...\"` is a phrase; `OR` or `|` for either; `-word` "
            "excludes; a 文号 in any bracket variant matches the document and the documents citing it.\n\n"
            "`POST /api/issues` needs `Authorization: Bearer <GONGBAO_ADMIN_TOKEN>`."
        ),
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.store = store
    app.add_middleware(_BodyLimit, limit=max_upload_bytes)
    app.add_middleware(_SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(facet_labels=FACETS, meta_labels=render.META_LABELS, join_issuer=join_issuer,
                       citation_kinds=render.CITATION_KINDS, qs=render.query_string)
    env.filters["basename"] = lambda p: re.split(r"[\\/]", str(p or ""))[-1]
    templates = Jinja2Templates(env=env)

    def page(request: Request, template: str, status: int = 200, *, headers: dict[str, str] | None = None,
             **ctx: Any) -> HTMLResponse:
        ctx.setdefault("title", "公报档案")
        ctx["upload_enabled"] = token is not None
        return templates.TemplateResponse(request, template, ctx, status_code=status, headers=headers)

    def is_api(request: Request) -> bool:
        # Feeds are machine-read too: their errors are JSON, as the OpenAPI document says.
        path = request.url.path
        return path.startswith(("/api/", "/feeds/")) or path == "/openapi.json"

    # -- errors: JSON under /api, Chinese pages elsewhere ------------------------------------
    @app.exception_handler(QueryError)
    async def _query_error(request: Request, exc: QueryError) -> Response:
        if is_api(request):
            return JSONResponse({"detail": str(exc)}, status_code=400)
        return page(request, "error.html", 400, title="请求有误", message=str(exc))

    @app.exception_handler(StoreError)
    async def _store_error(request: Request, exc: StoreError) -> Response:
        log.error("store error: %s", exc)
        msg = "档案库暂时无法读取，请稍后再试。"
        if is_api(request):
            return JSONResponse({"detail": msg}, status_code=503)
        return page(request, "error.html", 503, title="服务不可用", message=msg)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            # GET and POST on one path are two routes; Allow must name the methods of both.
            allowed: set[str] = set()
            for route in app.router.routes:
                match, _ = route.matches(request.scope)
                if match != Match.NONE:
                    allowed |= set(getattr(route, "methods", None) or ())
            if not allowed:
                # Raised inside the /static mount (its scope no longer matches the app's routes):
                # static files answer GET and HEAD only.
                allowed = {"GET", "HEAD"}
            headers = {**(headers or {}), "Allow": ", ".join(sorted(allowed))}
        if is_api(request) or request.url.path.startswith("/static/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)
        message = exc.detail if isinstance(exc.detail, str) else "请求有误。"
        if exc.status_code == 404 and message == "Not Found":
            message = "没有这个页面。"
        if exc.status_code == 405:
            message = f"这个地址不支持 {request.method} 请求（可用：{headers['Allow'] if headers else ''}）。"
        return page(request, "error.html", exc.status_code, headers=headers, title=f"错误 {exc.status_code}",
                    message=message)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        if is_api(request):
            return JSONResponse({"detail": _jsonable_errors(errors)}, status_code=422)
        in_path = any(e.get("loc", [None])[0] == "path" for e in errors)
        if in_path:
            return page(request, "error.html", 404, title="未找到", message="没有这个页面：地址中的编号无效。")
        return page(request, "error.html", 400, title="请求有误", message="请求参数无效。")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:  # pragma: no cover - last resort
        log.exception("unexpected error on %s", request.url.path)
        if is_api(request):
            return JSONResponse({"detail": "内部错误"}, status_code=500)
        return page(request, "error.html", 500, title="内部错误", message="服务器内部错误。")

    # -- offline API docs -------------------------------------------------------------------
    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="gongbao API 文档",
            swagger_js_url="/static/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui.css",
            swagger_favicon_url="/static/swagger-favicon.png",
            swagger_ui_parameters={"validatorUrl": None, "tryItOutEnabled": True},
        )

    # ========================================================================================
    # JSON API
    # ========================================================================================
    @app.get("/api/search", summary="检索文件 Search documents", response_model=schemas.SearchResponse, responses=ERR, tags=["search"])
    def api_search(
        f: Filters,
        q: Q = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = PAGE_SIZE,
        cursor: Annotated[str | None, Query(max_length=4096)] = None,
        facets: bool = True,
        order: Order = "relevance",
    ) -> Response:
        """Documents whose title or body contains the query, with exact total, facets and a cursor.
        The same JSON as `gongbao search --json`."""
        result = store.search(_check_query(q), f.filters(), limit=limit, cursor=_clean(cursor),
                              facets=facets, order=order)
        return JSONResponse(result.to_dict())

    @app.get(
        "/feeds/search.atom",
        summary="订阅检索 Atom feed of a search",
        response_class=Response,
        responses={200: {"description": f"An Atom 1.0 feed of the {FEED_SIZE} most recently added matches.",
                         "content": {"application/atom+xml": {"schema": {"type": "string"}}}}, **ERR},
        tags=["search"],
    )
    def feed_search(request: Request, f: Filters, q: Q = None) -> Response:
        """A search as a subscription: its most recently added matches, newest first, one entry per
        document (a feed reader shows what was added since it last looked)."""
        query = _check_query(q)
        result = store.search(query, f.filters(), limit=FEED_SIZE, facets=False, order="newest")
        base = str(request.base_url).rstrip("/")
        now = datetime.now(UTC)
        updated = feeds.stamp(now)
        entries = []
        for h in result.hits:
            url = f"{base}/documents/{h.id}"
            meta = " · ".join(x for x in (h.doc_number, h.city, h.signed_date) if x)
            summary = f"{meta}\n{h.snippet}" if h.snippet else meta
            entries.append(feeds.AtomEntry(url, h.title, url, feeds.day_stamp(h.signed_date, updated), summary))
        params = {"q": q, **f.params()}
        described = "，".join(f"{FILTER_LABELS[k]}：{v}" for k, v in params.items() if k in FILTER_LABELS and v)
        title = f"公报检索「{query}」" if query.strip() else "公报档案：新收录的文件"
        body = feeds.atom_feed(entries, title=title + (f"（{described}）" if described else ""),
                               self_url=str(request.url),
                               alternate_url=base + "/" + render.query_string(params, order="newest"), now=now)
        return Response(body, media_type=feeds.MEDIA_TYPE)

    @app.get("/api/documents/{doc_id}", summary="读取文件 Read a document", response_model=schemas.DocumentResponse, responses=ERR, tags=["read"])
    def api_document(doc_id: DocId) -> Response:
        """One document: metadata, body paragraphs with source line spans, outline, tables,
        citations (resolved to stored documents where possible) and cited-by."""
        doc = store.get_document(doc_id)
        if doc is None:
            raise HTTPException(404, f"没有编号为 {doc_id} 的文件。")
        return JSONResponse(doc.to_dict())

    @app.get("/api/documents/{doc_id}/source", summary="文件原文行 Source lines of a document",response_model=schemas.SourceLinesResponse, responses=ERR,
             tags=["read"])
    def api_document_source(doc_id: DocId) -> Response:
        """The OCR source lines the document was parsed from."""
        doc = store.get_document(doc_id)
        if doc is None:
            raise HTTPException(404, f"没有编号为 {doc_id} 的文件。")
        lines = store.source_lines(doc.issue_id, doc.start_line, doc.end_line)
        return JSONResponse({"document_id": doc.id, "issue_id": doc.issue_id, "start_line": doc.start_line,
                             "end_line": doc.end_line, "lines": lines})

    @app.get("/api/issues", summary="期刊列表 List issues", response_model=list[schemas.IssueSummaryModel], responses=ERR, tags=["read"])
    def api_issues(city: F = None, year: Year = None) -> Response:
        """Stored gazette issues, by city, year and number."""
        issues = store.list_issues(city=_clean(city), year=year)
        return JSONResponse([s.to_dict() for s in issues])

    @app.get("/api/issues/{issue_id}", summary="读取一期 Read an issue (masthead, 目录)", response_model=schemas.IssueResponse, responses=ERR, tags=["read"])
    def api_issue(issue_id: DocId) -> Response:
        """One issue: masthead (刊头), 目录 with document ids, and its documents."""
        rec = store.get_issue(issue_id)
        if rec is None:
            raise HTTPException(404, f"没有编号为 {issue_id} 的期刊。")
        return JSONResponse(rec.to_dict())

    @app.get(
        "/api/export",
        summary="导出 Export every match",
        response_class=Response,
        responses={
            200: {"description": "Every match, streamed: one JSON object per line, CSV with a header row,"
                                 " or one JSON array.",
                  "content": {"application/x-ndjson": {"schema": {"type": "string"}},
                              "text/csv": {"schema": {"type": "string"}},
                              "application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}},
            **ERR,
        },
        tags=["search"],
    )
    def api_export(
        f: Filters,
        format: Annotated[str, Query(pattern="^(jsonl|csv|json)$")] = "jsonl",
        q: Q = None,
    ) -> Response:
        """Every document matching the search (no cap), streamed as JSON lines, CSV or a JSON array."""
        matches = store.iter_matches(_check_query(q), f.filters())
        first = next(matches, None)  # bad input raises here, before the response starts

        def rows() -> Iterator[DocRef]:
            if first is not None:
                yield first
                yield from matches

        return StreamingResponse(
            export_lines(rows(), format), media_type=f"{MEDIA_TYPES[format]}; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="gongbao-export.{format}"'},
        )

    @app.get("/api/stats", summary="档案统计 Archive statistics", response_model=schemas.StatsResponse, responses=ERR, tags=["read"])
    def api_stats() -> Response:
        """How much the archive holds."""
        d = store.stats().to_dict()
        d.pop("location", None)  # a server path is nobody's business
        return JSONResponse(d)

    @app.post(
        "/api/issues",
        status_code=201,
        summary="上传公报 Upload a gazette (admin)",
        response_model=schemas.UploadResponse,
        responses={
            200: {"model": schemas.UploadResponse, "description": "The same text was already stored."},
            400: {"model": schemas.ErrorResponse, "description": "Not a gazette text (binary, empty, no documents)."},
            401: {"model": schemas.ErrorResponse, "description": "Missing or wrong admin token."},
            403: {"model": schemas.ErrorResponse, "description": "Uploads are disabled on this server."},
            413: {"model": schemas.ErrorResponse, "description": "The file is over the size limit."},
            422: {"model": schemas.ErrorResponse, "description": "The form has no file."},
            503: ERR[503],
        },
        tags=["admin"],
    )
    def api_upload(
        file: Annotated[UploadFile, File(description="A gazette as text (UTF-8, GB18030, UTF-16 with BOM).")],
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None,
    ) -> Response:
        """Parse an uploaded gazette text and store it as one issue (replacing an older text of the
        same city, year and issue number). Needs `Authorization: Bearer <GONGBAO_ADMIN_TOKEN>`."""
        _require_token(token, credentials.credentials if credentials else None)
        out = _ingest_upload(store, file, max_upload_bytes)
        return JSONResponse(out, status_code=201 if out["status"] != "unchanged" else 200)

    @app.delete(
        "/api/issues/{issue_id}",
        summary="删除一期 Delete an issue (admin)",
        response_model=schemas.DeleteResponse,
        responses={
            401: {"model": schemas.ErrorResponse, "description": "Missing or wrong admin token."},
            403: {"model": schemas.ErrorResponse, "description": "Changes are disabled on this server."},
            404: ERR[404],
            422: ERR[422],
            503: ERR[503],
        },
        tags=["admin"],
    )
    def api_delete_issue(
        issue_id: DocId,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None,
    ) -> Response:
        """Delete one stored issue with its documents, their citations and index entries, in one
        transaction (a wrong or withdrawn upload). Documents elsewhere that cite them keep the
        citation, now unresolved. Needs `Authorization: Bearer <GONGBAO_ADMIN_TOKEN>`."""
        _require_token(token, credentials.credentials if credentials else None, "删除")
        rec = store.get_issue(issue_id)
        if rec is None or not store.delete_issue(issue_id):
            raise HTTPException(404, f"没有编号为 {issue_id} 的期刊。")
        return JSONResponse({"deleted": issue_id, "documents": len(rec.documents)})

    # ========================================================================================
    # Pages
    # ========================================================================================
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def search_page(
        request: Request,
        q: str | None = None,
        city: str | None = None,
        year: str | None = None,
        date_from: Annotated[str | None, Query(alias="from")] = None,
        date_to: Annotated[str | None, Query(alias="to")] = None,
        section: str | None = None,
        type: str | None = None,
        issuer: str | None = None,
        doc_number: str | None = None,
        cursor: str | None = None,
        p: str | None = None,
        order: str | None = None,
    ) -> HTMLResponse:
        newest = order == "newest"  # any other value: the default order
        params = {"q": q, "city": city, "year": year, "from": date_from, "to": date_to, "section": section,
                  "type": type, "issuer": issuer, "doc_number": doc_number, "order": "newest" if newest else None}
        params = {k: v.strip() for k, v in params.items() if v is not None and v.strip()}
        page_no = int(p) if p and p.isascii() and p.isdigit() and 0 < int(p) < 10**6 else 1
        error = None
        result = None
        try:
            if len(q or "") > MAX_RAW_QUERY:
                raise QueryError(f"查询过长（{len(q or ''):,} 字）。")
            filters = make_filters(city=city, year=year, date_from=date_from, date_to=date_to, section=section,
                                   doc_type=type, issuer=issuer, doc_number=doc_number)
            result = store.search(_check_query(q), filters, limit=PAGE_SIZE, cursor=_clean(cursor),
                                  order="newest" if newest else "relevance")
        except QueryError as exc:
            error = str(exc)
        active = [(k, FILTER_LABELS[k], params[k]) for k in FILTER_LABELS if k in params]
        return page(
            request, "search.html", 400 if error else 200,
            title=f"{q} - 搜索公报" if q else "公报档案 · 搜索",
            q=q or "", params=params, result=result, error=error, active=active, page_no=page_no,
            stats=store.stats() if not params else None, facet_param=FACET_PARAM,
        )

    @app.get("/documents/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
    def document_page(request: Request, doc_id: DocId) -> HTMLResponse:
        doc = store.get_document(doc_id)
        if doc is None:
            raise HTTPException(404, "没有这份文件。")
        lines = store.source_lines(doc.issue_id, doc.start_line, doc.end_line)
        source = {doc.start_line + i: line for i, line in enumerate(lines)}
        blocks, anchors = render.body_blocks(doc, source)
        source_href = f"/documents/{doc.id}/source"
        outline = render.outline_nodes(doc.outline, anchors, source_href)
        from datetime import date

        from gongbao.obligations import index_for
        from gongbao.web.obligations import document_links

        index = index_for(store)  # cached: built once per archive state, not per request
        validity = index.status(doc.id, date.today())
        links = document_links(index, doc.id)
        return page(request, "document.html", title=doc.title, doc=doc, blocks=blocks, outline=outline,
                    source_href=source_href, source=lines, fields=doc.fields, validity=validity, links=links,
                    quote=quote)

    @app.get("/documents/{doc_id}/source", response_class=HTMLResponse, include_in_schema=False)
    def source_page(request: Request, doc_id: DocId) -> HTMLResponse:
        doc = store.get_document(doc_id)
        if doc is None:
            raise HTTPException(404, "没有这份文件。")
        lines = store.source_lines(doc.issue_id, doc.start_line, doc.end_line)
        numbered = [(doc.start_line + i, line) for i, line in enumerate(lines)]
        return page(request, "source.html", title=f"原文 · {doc.title}", doc=doc, lines=numbered)

    @app.get("/issues", response_class=HTMLResponse, include_in_schema=False)
    def issues_page(request: Request, city: str | None = None, year: str | None = None) -> HTMLResponse:
        try:
            c, y = _clean(city), _year(year)
        except QueryError as exc:
            return page(request, "error.html", 400, title="请求有误", message=str(exc))
        everything = store.list_issues()
        shown = [s for s in everything if (c is None or s.city == c) and (y is None or s.year == y)]
        cities = sorted({s.city for s in everything if s.city})
        years = sorted({s.year for s in everything if s.year and (c is None or s.city == c)}, reverse=True)
        return page(request, "issues.html", title="浏览公报", groups=_group_issues(shown), cities=cities,
                    years=years, city=c, year=y, count=len(shown))

    @app.get("/issues/{issue_id}", response_class=HTMLResponse, include_in_schema=False)
    def issue_page(request: Request, issue_id: DocId) -> HTMLResponse:
        rec = store.get_issue(issue_id)
        if rec is None:
            raise HTTPException(404, "没有这一期公报。")
        sections: list[tuple[str | None, list[dict[str, Any]]]] = []
        for entry in rec.toc:
            sec = entry.get("section")
            if not sections or sections[-1][0] != sec:
                sections.append((sec, []))
            sections[-1][1].append(entry)
        in_toc = {e.get("document_id") for e in rec.toc}
        extra = [d for d in rec.documents if d.id not in in_toc]
        g = rec.gazette
        name = g.get("name") or rec.summary.name or "公报"
        label = f"{rec.summary.year or ''}年第{rec.summary.issue or '?'}期"
        return page(request, "issue.html", title=f"{name} {label}", rec=rec, g=g, name=name, label=label,
                    sections=sections, extra=extra)

    @app.get("/upload", response_class=HTMLResponse, include_in_schema=False)
    def upload_form(request: Request) -> HTMLResponse:
        return page(request, "upload.html", 200 if token else 403, title="上传公报",
                    limit_mb=max_upload_bytes // (1024 * 1024))

    @app.post("/upload", response_class=HTMLResponse, include_in_schema=False)
    def upload_submit(
        request: Request,
        file: Annotated[UploadFile | None, File()] = None,
        admin_token_field: Annotated[str | None, Form(alias="token")] = None,
    ) -> Response:
        limit_mb = max_upload_bytes // (1024 * 1024)
        try:
            _require_token(token, admin_token_field)
            if file is None or not file.filename:
                raise HTTPException(400, "请选择要上传的公报文本文件。")
            out = _ingest_upload(store, file, max_upload_bytes)
        except HTTPException as exc:
            return page(request, "upload.html", exc.status_code, title="上传公报", error=exc.detail,
                        limit_mb=limit_mb)
        return RedirectResponse(f"/issues/{out['issue_id']}?uploaded={out['status']}", status_code=303)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    # Tasks, validity, people, cross-document links: gongbao.web.obligations.
    from gongbao.web.obligations import make_router

    app.include_router(make_router(store, page))
    return app


FILTER_LABELS = {"city": "城市", "year": "年份", "section": "栏目", "type": "文种", "issuer": "发文机关",
                 "doc_number": "文号", "from": "起始日期", "to": "截止日期"}
#: Facet name (store) -> query parameter (pages/API).
FACET_PARAM = {"city": "city", "year": "year", "section": "section", "doc_type": "type", "issuer": "issuer"}


def _version() -> str:
    try:
        from gongbao import __version__

        return str(__version__)
    except Exception:  # pragma: no cover
        return "0"


def _jsonable_errors(errors: Any) -> list[dict[str, Any]]:
    out = []
    for e in errors:
        out.append({"loc": [str(x) for x in e.get("loc", [])], "msg": str(e.get("msg", "")),
                    "type": str(e.get("type", ""))})
    return out


def _warm(store: Store) -> None:
    try:
        n = store.warm()
    except Exception as exc:  # noqa: BLE001 - only an optimization
        log.warning("could not read the archive ahead: %s", exc)
        return
    if n:
        log.info("reading the archive (%.0f MB) into the page cache", n / 1e6)


def _require_token(expected: str | None, given: str | None, action: str = "上传") -> None:
    if expected is None:
        raise HTTPException(403, f"本服务器未启用{action}：启动前设置环境变量 {ADMIN_TOKEN_ENV} 即可开启。")
    if not given or not hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8")):
        raise HTTPException(401, "管理员令牌缺失或不正确（Authorization: Bearer <GONGBAO_ADMIN_TOKEN>）。",
                            headers={"WWW-Authenticate": "Bearer"})


def _ingest_upload(store: Store, file: UploadFile, max_bytes: int) -> dict[str, Any]:
    """Decode, parse and store one uploaded gazette (via :func:`gongbao.ingest.ingest_text`, so an
    upload is stored exactly like ``gongbao ingest`` would). Any refusal is an HTTPException (4xx)
    and stores nothing."""
    from gongbao.ingest import IngestError, ingest_text
    from gongbao.source import SourceError, decode_source

    name = Path(file.filename or "upload.txt").name[:200] or "upload.txt"
    data = file.file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadTooLarge(max_bytes)
    try:
        text = decode_source(data, name=name, max_bytes=max_bytes)
        outcome = ingest_text(store, text, name, check=lambda prepared: _require_masthead(prepared, name))
    except SourceError as exc:
        raise HTTPException(400, f"无法作为公报文本读取：{exc}") from None
    except IngestError as exc:
        raise HTTPException(400, f"未能解析为政府公报，未保存：{exc}") from None
    return {"status": outcome.status, "issue_id": outcome.issue_id, "documents": outcome.documents,
            "warnings": outcome.warnings, "source_name": name, "url": f"/issues/{outcome.issue_id}"}


def _require_masthead(prepared: Any, name: str) -> None:
    """A text with documents but no masthead is not a gazette issue: refuse it before storing."""
    if not (prepared.city or prepared.name) or prepared.year is None:
        raise HTTPException(400, f"{name}：没有识别出公报刊头（公报名称或城市、年份），这不像是一期政府公报，未保存。")


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory gongbao.web.app:app_from_env``: archive from ``GONGBAO_DB`` (or the
    default), admin token from ``GONGBAO_ADMIN_TOKEN``."""
    return create_app(None, os.environ.get(ADMIN_TOKEN_ENV))
