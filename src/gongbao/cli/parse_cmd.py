"""``gongbao parse FILE [--json]``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from gongbao.cli import app


@app.command()
def parse(
    file: Path = typer.Argument(..., help="A gazette issue as plain text (UTF-8 or GB18030)."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole parse as one JSON object."),
) -> None:
    """Parse one gazette issue into its documents (文号, title, dates, structure, provenance)."""
    from gongbao.parse import parse_issue
    from gongbao.source import SourceError, read_source

    try:
        text = read_source(file)
    except SourceError as exc:
        typer.echo(f"gongbao parse: {exc}", err=True)
        raise typer.Exit(2) from None
    issue = parse_issue(text)
    if as_json:
        data = issue.to_dict()
        data["file"] = file.name
        json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return
    _print_summary(issue, file)


def _print_summary(issue, file: Path) -> None:
    """Issue line, then one line per document: 文号, date, title, line span; warnings under it."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(soft_wrap=True, highlight=False)
    g = issue.gazette
    head = f"{g.name or '（未识别刊名）'}  {g.year or '?'}年第{g.issue or '?'}期"
    if g.total_issue:
        head += f"（总第{g.total_issue}期）"
    if g.published:
        head += f"  出版 {g.published}"
    console.print(f"[bold]{escape(head)}[/bold]  [dim]{escape(str(file))}[/dim]")
    console.print(f"目录 {len(issue.toc)} 条，正文 {len(issue.documents)} 篇")
    for d in issue.documents:
        number = d.doc_number or "（无文号）"
        console.print(f"{escape(number)}  {d.signed_date or '—'}  {escape(d.title)}  [dim]行 {d.start_line}-{d.end_line}[/dim]")
        for w in d.warnings:
            where = f"第{w.line}行 " if w.line else ""
            console.print(f"    [yellow]提示[/yellow] {where}{escape(w.message)}")
    for w in issue.warnings:
        where = f"第{w.line}行 " if w.line else ""
        console.print(f"[yellow]提示[/yellow] {where}{escape(w.message)}")
