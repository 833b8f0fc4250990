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
    from rich.console import Console
    from rich.table import Table

    console = Console()
    g = issue.gazette
    head = f"{g.name or '（未识别刊名）'}  {g.year or '?'}年第{g.issue or '?'}期"
    if g.total_issue:
        head += f"（总第{g.total_issue}期）"
    if g.published:
        head += f"  出版 {g.published}"
    console.print(f"[bold]{head}[/bold]  [dim]{file}[/dim]")
    console.print(f"目录 {len(issue.toc)} 条，正文 {len(issue.documents)} 篇")
    table = Table(show_lines=False)
    for col in ("文号", "成文日期", "标题", "行", "提示"):
        table.add_column(col)
    for d in issue.documents:
        table.add_row(
            d.doc_number or "—",
            d.signed_date or "—",
            d.title,
            f"{d.start_line}-{d.end_line}",
            "; ".join(w.message for w in d.warnings) or "",
        )
    console.print(table)
    for w in issue.warnings:
        console.print(f"[yellow]提示[/yellow] 第{w.line}行: {w.message}" if w.line else f"[yellow]提示[/yellow] {w.message}")
