"""``gongbao tasks``, ``gongbao expiring``, ``gongbao people``: what the archive's documents oblige,
when they lapse, and who was appointed (over :mod:`gongbao.obligations`).

Exit codes: 0 ok; 2 bad input (date, duration, unusable database).
"""

from __future__ import annotations

import sys
from datetime import date

import typer

from gongbao.cli import app
from gongbao.cli.archive_cmd import DB_HELP, _dump, _fail, _open


def _day(text: str | None, option: str, command: str) -> date | None:
    from gongbao.obligations import parse_day

    if text is None:
        return None
    try:
        return parse_day(text)
    except ValueError as exc:
        raise _fail(f"gongbao {command}: {option}: {exc}") from None


def _write_raw(text: str) -> None:
    """Write UTF-8 bytes as they are (CRLF line ends of CSV and iCalendar kept on every platform)."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
    else:
        buffer.write(text.encode("utf-8"))
        buffer.flush()


@app.command()
def tasks(
    unit: str | None = typer.Option(None, "--unit", help="责任单位, any alias (市发改委 = 市发展和改革委员会)."),
    due_before: str | None = typer.Option(None, "--due-before", help="Only tasks due on or before this date (YYYY-MM-DD)."),
    city: str | None = typer.Option(None, "--city", help="城市 of the gazette, e.g. 朔州市"),
    as_json: bool = typer.Option(False, "--json", help="Print the tasks as JSON."),
    as_csv: bool = typer.Option(False, "--csv", help="Print the tasks as CSV."),
    as_ics: bool = typer.Option(False, "--ics", help="Print the dated tasks as an iCalendar file."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Tasks (督办 items) with their responsible units and deadlines."""
    from gongbao.obligations import index_for, tasks_csv, tasks_ics

    if sum((as_json, as_csv, as_ics)) > 1:
        raise _fail("gongbao tasks: choose one of --json, --csv, --ics")
    before = _day(due_before, "--due-before", "tasks")
    store = _open(db, create=False)
    try:
        index = index_for(store)
    finally:
        store.close()
    canonical = index.canonical_unit(unit, city) if unit else None
    rows = index.tasks(unit, before, city)
    if as_json:
        _dump({"unit": canonical, "due_before": before.isoformat() if before else None, "city": city,
               "total": len(rows), "tasks": [r.to_dict(canonical) for r in rows]})
        return
    if as_csv:
        _write_raw(tasks_csv(rows, canonical))
        return
    if as_ics:
        _write_raw(tasks_ics(rows, f"gongbao 任务 {canonical or ''}".strip()))
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False)
    console.print(f"[bold]{len(rows)}[/bold] 项任务" + (f" · {canonical}" if canonical else ""))
    for r in rows:
        role = {"lead": "牵头/责任", "support": "配合"}.get(r.role(canonical) or "", "")
        head = f"[{r.doc_id}] {r.doc_number or r.doc_title} {r.label or ''} 第{r.line}行"
        console.print(Text(head, style="bold"))
        console.print(Text("    " + r.text[:120]))
        meta = " · ".join(x for x in (role, "、".join(r.lead_units), r.deadline_text and f"时限 {r.deadline_text}"
                                     + (f"（{r.deadline}）" if r.deadline else "")) if x)
        if meta:
            console.print(Text("    " + meta, style="dim"))


@app.command()
def expiring(
    within: str = typer.Option("90d", "--within", help="Horizon: 90d, 12w, 3m, 1y (days by default)."),
    as_of: str | None = typer.Option(None, "--as-of", help="Reference date (YYYY-MM-DD; default today)."),
    as_json: bool = typer.Option(False, "--json", help="Print the documents as JSON."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Documents in force whose validity period ends within the horizon."""
    from gongbao.obligations import index_for, parse_duration

    try:
        days = parse_duration(within)
    except ValueError as exc:
        raise _fail(f"gongbao expiring: --within: {exc}") from None
    day = _day(as_of, "--as-of", "expiring") or date.today()
    store = _open(db, create=False)
    try:
        index = index_for(store)
    finally:
        store.close()
    found = index.expiring(days, day)
    if as_json:
        _dump({"as_of": day.isoformat(), "within_days": days, "total": len(found), "documents": found})
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False)
    console.print(f"[bold]{len(found)}[/bold] 份文件将在 {day.isoformat()} 起 {days} 天内到期")
    for d in found:
        console.print(Text(f"[{d['id']}] {d['title']}", style="bold"))
        console.print(Text(f"    {d['doc_number'] or ''} · 有效至 {d['expires']}（剩 {d['days_left']} 天）· "
                           f"{d['basis']}" + (f" · 第{d['line']}行" if d['line'] else ""), style="dim"))


@app.command()
def people(
    query: str = typer.Argument("", help="Name, position or organ (substring)."),
    as_json: bool = typer.Option(False, "--json", help="Print people with their events as JSON."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """People appointed or removed (人事任免), with their events."""
    from gongbao.obligations import index_for

    if len(query) > 200:
        raise _fail("gongbao people: query too long (200 characters at most)")
    store = _open(db, create=False)
    try:
        index = index_for(store)
    finally:
        store.close()
    found = index.people(query or None)
    timelines = {p["name"]: [e.to_dict() for e in index.person(p["name"])] for p in found}
    if as_json:
        _dump({"query": query, "total": len(found),
               "people": [{**p, "timeline": timelines[p["name"]]} for p in found]})
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False)
    console.print(f"[bold]{len(found)}[/bold] 人")
    for p in found:
        console.print(Text(p["name"], style="bold"))
        for e in timelines[p["name"]]:
            console.print(Text(f"    {e['date'] or '日期不详'} {e['action']} {e['position'] or ''} "
                               f"（{e['doc_number'] or e['doc_title']}）"))
