"""``gongbao export``: every document matching a search, as JSON lines, CSV or JSON.

The command line twin of ``GET /api/export`` (same rows, same bytes; see :mod:`gongbao.export`),
plus ``--full`` for each document's whole stored record. Writing to a file goes through a
temporary file renamed into place at the end, so an export that fails or is interrupted leaves
no half-written file and never clobbers an earlier export.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import typer

from gongbao.cli import app
from gongbao.cli.archive_cmd import (
    City,
    DateFrom,
    DateTo,
    Db,
    DocNumber,
    DocType,
    Issuer,
    Query,
    Section,
    Year,
    _fail,
    _open,
)
from gongbao.export import FORMATS

_SUFFIX_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".json": "json"}


@app.command()
def export(
    query: Query = "",
    city: City = None,
    year: Year = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    section: Section = None,
    doc_type: DocType = None,
    issuer: Issuer = None,
    doc_number: DocNumber = None,
    fmt: str | None = typer.Option(
        None, "--format", "-f", help="jsonl, csv or json (default: from the --output suffix, else jsonl)."
    ),
    full: bool = typer.Option(
        False, "--full", help="Whole documents (body, outline, tables, tasks, citations) instead of the list."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar and no summary."),
    db: Db = None,
) -> None:
    """Export every matching document (no cap): the list as JSON lines / CSV / JSON, or --full records."""
    from gongbao.export import export_lines, export_records_lines, full_records
    from gongbao.store import QueryError, SearchFilters, StoreError

    if fmt is None:
        fmt = _SUFFIX_FORMATS.get(output.suffix.lower(), "jsonl") if output else "jsonl"
    if fmt not in FORMATS:
        raise _fail(f"gongbao export: --format must be one of {', '.join(FORMATS)} (got {fmt!r})")
    if full and fmt == "csv":
        raise _fail("gongbao export: --full documents are nested (body, citations); export them as jsonl or json")
    if output is not None and output.is_dir():
        raise _fail(f"gongbao export: {output} is a directory; give a file name")
    filters = SearchFilters(
        city=city, year=year, date_from=date_from, date_to=date_to, section=section, doc_type=doc_type,
        issuer=issuer, doc_number=doc_number,
    )
    store = _open(db, create=False)
    try:
        show_bar = output is not None and not quiet and sys.stderr.isatty()
        try:
            refs = store.iter_matches(query, filters)  # bad input raises here, before any output
            # the exact count for the bar (a second evaluation of the match: only for a person watching)
            total = store.search(query, filters, limit=1, facets=False).total if show_bar else None
        except (QueryError, StoreError) as exc:
            raise _fail(f"gongbao export: {exc}") from None
        counted = _Counter(refs)
        pieces = export_records_lines(full_records(store, counted), fmt) if full else export_lines(counted, fmt)
        try:
            if output is None:
                _to_stdout(pieces)
            else:
                _to_file(pieces, output, total, counted)
        except OSError as exc:
            where = output if output is not None else "stdout"
            raise _fail(f"gongbao export: cannot write {where}: {exc.strerror or exc}") from None
        except StoreError as exc:
            raise _fail(f"gongbao export: {exc}") from None
    finally:
        store.close()
    if not quiet:
        typer.echo(f"{counted.n} documents exported -> {output if output is not None else 'stdout'}", err=True)


class _Counter:
    """Passes the refs through, counting them (the summary and the progress bar)."""

    def __init__(self, refs: Iterator) -> None:
        self._refs = refs
        self.n = 0

    def __iter__(self) -> Iterator:
        for ref in self._refs:
            self.n += 1
            yield ref


def _to_stdout(pieces: Iterator[str]) -> None:
    out = sys.stdout.buffer
    try:
        for piece in pieces:
            out.write(piece.encode("utf-8"))
        out.flush()
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, and keep Python from complaining again
        # when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(0) from None


def _to_file(pieces: Iterator[str], output: Path, total: int | None, counted: _Counter) -> None:
    target = output.resolve()
    if target.exists() and not target.is_file():
        # A device or a pipe (/dev/null, a FIFO): written to as it is. The temporary file and
        # rename below would put a regular file in its place.
        with open(target, "w", encoding="utf-8", newline="") as f:
            _write_pieces(f, pieces, total, counted)
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; give it a new file's mode
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            _write_pieces(f, pieces, total, counted)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_pieces(f: TextIO, pieces: Iterator[str], total: int | None, counted: _Counter) -> None:
    if total is None:
        for piece in pieces:
            f.write(piece)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("导出"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("export", total=total)
        for piece in pieces:
            f.write(piece)
            bar.update(task, completed=counted.n)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
