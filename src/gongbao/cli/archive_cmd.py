"""``gongbao ingest``, ``reparse``, ``search``, ``show``, ``issues``, ``stats``, ``delete``, ``optimize``,
``backup``: the archive from the command line.

Exit codes: 0 ok; 1 some files failed (ingest) or nothing found (show); 2 bad input (query syntax,
cursor, filter, unusable database).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from gongbao.cli import app

DB_HELP = "SQLite file or postgresql:// URL (default: $GONGBAO_DB, else the user data dir's gongbao/gongbao.db)."

# The options shared by the commands that search (search, export).
Db = Annotated[str | None, typer.Option("--db", help=DB_HELP)]
Query = Annotated[str, typer.Argument(help='Words (AND), "phrases", a OR b, -exclude, or a 文号.')]
City = Annotated[str | None, typer.Option("--city", help="城市, e.g. 朔州市")]
Year = Annotated[int | None, typer.Option("--year", min=1, max=9999, help="公报 year")]
DateFrom = Annotated[str | None, typer.Option("--from", help="成文日期 from (YYYY[-MM[-DD]])")]
DateTo = Annotated[str | None, typer.Option("--to", help="成文日期 to (YYYY[-MM[-DD]])")]
Section = Annotated[str | None, typer.Option("--section", help="栏目")]
DocType = Annotated[str | None, typer.Option("--type", help="文种, e.g. 通知")]
Issuer = Annotated[str | None, typer.Option("--issuer", help="发文机关")]
DocNumber = Annotated[str | None, typer.Option("--doc-number", help="文号 (any bracket variant)")]


def _fail(msg: str, code: int = 2) -> typer.Exit:
    typer.echo(msg, err=True)
    return typer.Exit(code)


def _open(db: str | None, *, create: bool):
    from gongbao.store import StoreError, open_store

    try:
        return open_store(db, create=create)
    except StoreError as exc:
        raise _fail(f"gongbao: {exc}") from None
    except Exception as exc:  # driver errors (bad URL, server down) name the database
        from gongbao.store import resolve_db

        raise _fail(f"gongbao: cannot open {_safe(resolve_db(db))}: {exc}") from None


def _safe(target: str) -> str:
    """A database location without its password."""
    import re

    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", target)


def _dump(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Gazette text files and/or directories (searched for .txt/.md)."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    workers: int | None = typer.Option(None, "--workers", "-j", min=0, help="Parser processes (default: cores)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", envvar="GONGBAO_SCHEDULER",
        help="Parse on a dask cluster: its scheduler's address (tcp://host:8786); this machine stores.",
    ),
) -> None:
    """Parse gazette files in parallel and store them in the archive (idempotent)."""
    from gongbao.cluster import ClusterError
    from gongbao.ingest import ingest_paths

    if scheduler is not None and workers is not None:
        raise _fail("gongbao ingest: --workers and --scheduler exclude each other (the cluster's workers parse)")
    store = _open(db, create=True)
    try:
        summary = ingest_paths(store, paths, workers=workers, progress=not quiet and not as_json,
                               scheduler=scheduler or None)
    except ClusterError as exc:
        raise _fail(f"gongbao ingest: {exc}") from None
    except KeyboardInterrupt:
        raise _fail("gongbao ingest: interrupted; issues stored so far are complete, re-run to finish", 130) from None
    finally:
        store.close()
    if as_json:
        _dump({**summary.to_dict(), "db": _safe(store.location)})
    else:
        for f in summary.failures:
            typer.echo(f"failed: {f.error}", err=True)
        typer.echo(
            f"{summary.added} added, {summary.unchanged} unchanged, {summary.replaced} replaced, "
            f"{summary.failed} failed; {summary.documents} documents, {summary.warnings} warnings "
            f"in {summary.seconds:.1f} s -> {_safe(store.location)}"
        )
    if summary.failed:
        raise typer.Exit(1)


@app.command()
def reparse(
    db: Db = None,
    workers: int | None = typer.Option(None, "--workers", "-j", min=0, help="Parser processes (default: cores)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Parse stored issues again with this gongbao's parser, from the text the archive keeps.

    Only issues that another parser version made are parsed (after an upgrade of gongbao); each
    is replaced in one transaction and its documents keep their ids. No files are needed.
    """
    from gongbao.ingest import reparse_stored
    from gongbao.parse import PARSER_VERSION

    store = _open(db, create=False)
    try:
        summary = reparse_stored(store, workers=workers, progress=not quiet and not as_json)
    except KeyboardInterrupt:
        raise _fail("gongbao reparse: interrupted; issues replaced so far are complete, re-run to finish", 130) from None
    finally:
        store.close()
    if as_json:
        _dump({**summary.to_dict(), "parser_version": PARSER_VERSION, "db": _safe(store.location)})
    else:
        for f in summary.failures:
            typer.echo(f"failed (kept as stored): {f.error}", err=True)
        if summary.files == 0:
            typer.echo(f"nothing to do: every stored issue was parsed by parser {PARSER_VERSION}", err=True)
        else:
            typer.echo(f"{summary.replaced} re-parsed, {summary.failed} failed; {summary.documents} documents "
                       f"in {summary.seconds:.1f} s (parser {PARSER_VERSION}) -> {_safe(store.location)}")
    if summary.failed:
        raise typer.Exit(1)


@app.command()
def search(
    query: Query = "",
    city: City = None,
    year: Year = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    section: Section = None,
    doc_type: DocType = None,
    issuer: Issuer = None,
    doc_number: DocNumber = None,
    limit: int = typer.Option(20, "--limit", "-n", help="Hits per page (1-1000)."),
    cursor: str | None = typer.Option(None, "--cursor", help="next_cursor of the previous page."),
    order: str = typer.Option("relevance", "--order", help="relevance (title hits first) or newest (latest added)."),
    as_json: bool = typer.Option(False, "--json", help="Print total, hits, facets and next_cursor as JSON."),
    db: Db = None,
) -> None:
    """Search the archive: exact Chinese substring search with facets and paging."""
    from gongbao.store import QueryError, SearchFilters, StoreError

    filters = SearchFilters(
        city=city, year=year, date_from=date_from, date_to=date_to, section=section, doc_type=doc_type,
        issuer=issuer, doc_number=doc_number,
    )
    store = _open(db, create=False)
    try:
        result = store.search(query, filters, limit=limit, cursor=cursor, facets=as_json, order=order)
    except QueryError as exc:
        raise _fail(f"gongbao search: {exc}") from None
    except StoreError as exc:
        raise _fail(f"gongbao search: {exc}") from None
    finally:
        store.close()
    if as_json:
        _dump(result.to_dict())
        return
    _print_result(result)


def _print_result(result) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False)
    console.print(f"[bold]{result.total}[/bold] 篇 ({result.took_ms:.0f} ms)")
    for h in result.hits:
        title = Text(h.title, style="bold")
        for s, e in h.title_highlights:
            title.stylize("reverse", s, e)
        head = Text(f"[{h.id}] ")
        head.append_text(title)
        console.print(head)
        meta = " · ".join(x for x in (h.doc_number, h.city, h.signed_date, h.section, h.doc_type) if x)
        console.print(Text(f"    {meta}", style="dim"))
        if h.snippet:
            snip = Text("    " + h.snippet)
            for s, e in h.highlights:
                snip.stylize("bold yellow", s + 4, e + 4)
            console.print(snip)
    if result.next_cursor:
        console.print(Text(f"next page: --cursor {result.next_cursor}", style="dim"))


@app.command()
def show(
    ref: str = typer.Argument(..., help="Document id or 文号."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole stored document as JSON."),
    source: bool = typer.Option(False, "--source", help="Print the OCR source lines instead, numbered."),
    db: Db = None,
) -> None:
    """Show one stored document: metadata, citations both ways, body (or its source lines)."""
    store = _open(db, create=False)
    try:
        doc = store.resolve(ref)
        others = store.find_by_doc_number(ref) if doc is not None and not ref.strip().isdigit() else []
        lines = store.source_lines(doc.issue_id, doc.start_line, doc.end_line) if doc is not None and source else []
    finally:
        store.close()
    if doc is None:
        raise _fail(f"gongbao show: no stored document {ref!r} (give a document id or a 文号)", 1)
    if source:
        width = len(str(doc.start_line + len(lines)))
        if as_json:
            _dump({"document_id": doc.id, "issue_id": doc.issue_id, "start_line": doc.start_line,
                   "end_line": doc.end_line, "lines": lines})  # as GET /api/documents/{id}/source
            return
        for n, line in enumerate(lines, doc.start_line):
            typer.echo(f"{n:>{width}}  {line}")
        return
    if as_json:
        _dump(doc.to_dict())
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False)
    console.print(Text(doc.title, style="bold"))
    issuer = "、".join(doc.issuer) if isinstance(doc.issuer, list) else doc.issuer
    g = doc.gazette
    rows = [
        ("id", str(doc.id)), ("文号", doc.doc_number), ("发文机关", issuer), ("成文日期", doc.signed_date),
        ("文种", doc.doc_type), ("栏目", doc.section), ("主送", doc.recipients), ("公开属性", doc.public_notice),
        ("公报", f"{g.get('name') or ''} {g.get('year') or '?'}年第{g.get('issue') or '?'}期"
                 + (f" 第{doc.toc_page}页" if doc.toc_page else "")),
        ("行", f"{doc.source_name}:{doc.start_line}-{doc.end_line}"),
    ]
    for k, v in rows:
        if v:
            console.print(Text(f"{k}: ", style="dim") + Text(str(v)))
    if len(others) > 1:
        console.print(Text(f"同文号的其他文件: {', '.join(str(o.id) for o in others if o.id != doc.id)}", style="dim"))
    if doc.citations:
        console.print(Text("引用:", style="bold"))
        for c in doc.citations:
            target = f" -> [{c.target_id}] {c.target_title}" if c.target_id else " (未收录)"
            console.print(Text(f"  {c.doc_number or c.title or c.raw}{target}"))
    if doc.cited_by:
        console.print(Text("被引用:", style="bold"))
        for c in doc.cited_by:
            console.print(Text(f"  [{c.ref.id}] {c.ref.title}"))
    console.print()
    for p in doc.body:
        console.print(Text(p["text"]))


@app.command()
def issues(
    city: City = None,
    year: Year = None,
    as_json: bool = typer.Option(False, "--json", help="Print the issues as a JSON list."),
    db: Db = None,
) -> None:
    """List the stored gazette issues (期), by city, year and issue number."""
    store = _open(db, create=False)
    try:
        rows = store.list_issues(city=city, year=year)
    finally:
        store.close()
    if as_json:
        _dump([r.to_dict() for r in rows])
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "城市", "年", "期", "总期", "文件", "来源", "收录 (UTC)", box=None, highlight=False)
    for r in rows:
        table.add_row(str(r.id), r.city or "?", str(r.year or "?"), str(r.issue or "?"), str(r.total_issue or ""),
                      str(r.document_count), Path(r.source_name).name, r.ingested_at[:16].replace("T", " "))
    console = Console(highlight=False)
    console.print(table)
    console.print(f"{len(rows)} 期, {sum(r.document_count for r in rows)} 篇")


@app.command()
def stats(
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    db: Db = None,
) -> None:
    """How much the archive holds: issues, documents, citations (and how many resolve)."""
    store = _open(db, create=False)
    try:
        st = store.stats().to_dict()
    finally:
        store.close()
    st["location"] = _safe(st["location"])
    if as_json:
        _dump(st)
        return
    labels = {"issues": "期刊", "documents": "文件", "citations": "引用", "resolved_citations": "已关联引用",
              "schema_version": "schema", "backend": "backend", "location": "location",
              "stale_issues": "旧版解析 (run gongbao reparse)"}
    for k, v in st.items():
        if k != "stale_issues" or v:
            typer.echo(f"{labels.get(k, k)}: {v}")


@app.command()
def delete(
    issue_ids: list[int] = typer.Argument(..., help="Ids of the issues to delete (see `gongbao issues`)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    db: Db = None,
) -> None:
    """Delete stored issues with their documents, citations and index entries (all or none)."""
    store = _open(db, create=False)
    try:
        records = {i: store.get_issue(i) for i in dict.fromkeys(issue_ids)}
        missing = [str(i) for i, rec in records.items() if rec is None]
        if missing:
            raise _fail(f"gongbao delete: no stored issue {', '.join(missing)} (see `gongbao issues`); nothing deleted", 1)
        for i, rec in records.items():
            s = rec.summary
            typer.echo(f"[{i}] {s.name or Path(s.source_name).name} {s.year or '?'}年第{s.issue or '?'}期: "
                       f"{len(rec.documents)} documents", err=True)
        if not yes:
            if not sys.stdin.isatty():
                raise _fail("gongbao delete: add --yes to delete without a terminal to confirm on; nothing deleted")
            if not typer.confirm(f"Delete {len(records)} issue(s)?", err=True):
                raise _fail("gongbao delete: nothing deleted", 1)
        with store.batch():  # one transaction: every issue goes, or none
            for i in records:
                store.delete_issue(i)
    finally:
        store.close()
    docs = sum(len(rec.documents) for rec in records.values())
    typer.echo(f"deleted {len(records)} issue(s), {docs} documents -> {_safe(store.location)}", err=True)


@app.command()
def optimize(db: Db = None) -> None:
    """Reorganize the archive for faster text search after a large ingest (results do not change).

    SQLite: merges the full-text index into one segment (about 30 s per 100k documents; the log
    file grows by up to the index's size meanwhile). PostgreSQL: VACUUM (ANALYZE).
    """
    import time

    from rich.console import Console

    from gongbao.store import StoreError

    store = _open(db, create=False)
    size = _size(store.location) if store.backend == "sqlite" else None
    t0 = time.perf_counter()
    try:
        with Console(stderr=True).status("正在优化档案… (optimizing; a large archive takes minutes)"):
            store.optimize()
    except StoreError as exc:
        raise _fail(f"gongbao optimize: {exc}") from None
    finally:
        store.close()
    note = f"; file {size / 1e6:,.0f} -> {_size(store.location) / 1e6:,.0f} MB" if size is not None else ""
    typer.echo(f"optimized {_safe(store.location)} in {time.perf_counter() - t0:.1f} s{note}", err=True)


@app.command()
def backup(
    dest: Path = typer.Argument(..., help="The backup file to write (SQLite: an archive file; PostgreSQL: pg_dump -Fc)."),
    db: Db = None,
    force: bool = typer.Option(False, "--force", help="Replace DEST if it exists."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Copy the archive to a file while it stays in use: a consistent snapshot, checked, written atomically.

    SQLite: the copy is an archive itself (gongbao serve --db DEST). PostgreSQL: a pg_dump
    custom-format file; restore it with pg_restore --dbname URL DEST into an empty database.
    """
    import time

    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    from gongbao.store import StoreError

    store = _open(db, create=False)
    t0 = time.perf_counter()
    try:
        if quiet or not sys.stderr.isatty():
            size = store.backup(str(dest), overwrite=force)
        elif store.backend != "sqlite":
            with Console(stderr=True).status("pg_dump…"):
                size = store.backup(str(dest), overwrite=force)
        else:
            with Progress(TextColumn("[bold]backup"), BarColumn(), DownloadColumn(),
                          console=Console(stderr=True), transient=True) as bar:
                task = bar.add_task("backup", total=None)
                size = store.backup(str(dest), overwrite=force,
                                    progress=lambda done, total: bar.update(task, completed=done, total=total))
    except StoreError as exc:
        raise _fail(f"gongbao backup: {exc}") from None
    except KeyboardInterrupt:
        raise _fail("gongbao backup: interrupted; no backup written, the archive is unchanged", 130) from None
    finally:
        store.close()
    typer.echo(f"backed up {_safe(store.location)} to {dest} ({size / 1e6:,.1f} MB, checked) "
               f"in {time.perf_counter() - t0:.1f} s", err=True)


def _size(path: str) -> int:
    """Bytes of a SQLite archive with its write-ahead log."""
    return sum(Path(path + suffix).stat().st_size for suffix in ("", "-wal") if Path(path + suffix).exists())
