"""``gongbao serve``: the web app and HTTP API over an archive.

On a fresh machine (the default archive does not exist yet or holds nothing) it first ingests the
sample gazettes that ship with the package, so one command shows a working archive.
"""

from __future__ import annotations

import errno
import os
import socket
from importlib import resources

import typer
from rich.console import Console

from gongbao.cli import app

err = Console(stderr=True, soft_wrap=True)


def _port_free(host: str, port: int) -> str | None:
    """None when ``host:port`` can be bound, else why not (a message for the user)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"cannot resolve host {host!r}: {exc.strerror}"
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is already in use (try --port {port + 1})"
            return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None


def ingest_samples(store: object) -> None:
    """Ingest the bundled sample gazettes into ``store``, with a progress bar."""
    from gongbao.ingest import ingest_paths

    with resources.as_file(resources.files("gongbao") / "data" / "samples") as samples:
        err.print(f"[bold]First run:[/] the archive is empty; ingesting the bundled sample gazettes from {samples}")
        summary = ingest_paths(store, [samples], progress=True)  # type: ignore[arg-type]
    d = summary.to_dict()
    err.print(
        f"Samples: {d.get('added', 0)} issues added, {d.get('documents', 0)} documents"
        + (f", [red]{d.get('failed')} failed[/]" if d.get("failed") else "")
    )
    for f in d.get("failures", []):
        err.print("  failed: " + str(f.get("error") or f.get("path")), markup=False, highlight=False)


@app.command()
def serve(
    db: str | None = typer.Option(
        None, "--db", help="SQLite file or postgresql:// URL (default: $GONGBAO_DB, else the user data dir)."
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    samples: bool | None = typer.Option(
        None, "--samples/--no-samples",
        help="Ingest the bundled sample gazettes when the archive is empty "
             "(default: only for the default archive).",
    ),
    max_upload_mb: int = typer.Option(16, "--max-upload-mb", min=1, max=1024, help="Upload size limit."),
) -> None:
    """Serve the Chinese web interface and the JSON API (docs at /docs).

    Uploads (POST /api/issues, /upload) are enabled only when GONGBAO_ADMIN_TOKEN is set; clients
    send it as ``Authorization: Bearer <token>``.
    """
    import uvicorn

    from gongbao.store import StoreError, open_store, resolve_db
    from gongbao.web.app import ADMIN_TOKEN_ENV, SERVER_OPTIONS, create_app

    target = resolve_db(db)
    is_default = db is None and not os.environ.get("GONGBAO_DB", "").strip()
    problem = _port_free(host, port)
    if problem:
        err.print(f"[red]error:[/] {problem}")
        raise typer.Exit(2)
    try:
        store = open_store(target)
    except StoreError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    try:
        if store.is_empty():
            if samples or (samples is None and is_default):
                ingest_samples(store)
            else:
                err.print(f"The archive {store.location or target} is empty: add gazettes with "
                          "`gongbao ingest PATH --db ...` (or pass --samples).")
        token = os.environ.get(ADMIN_TOKEN_ENV, "").strip() or None
        web = create_app(store, token, max_upload_bytes=max_upload_mb * 1024 * 1024)
        stats = store.stats()
        shown = f"[{host}]" if ":" in host else host
        err.print(
            f"[bold green]gongbao[/] serving {stats.issues} issues / {stats.documents} documents from "
            f"{store.location or target}\n  web  http://{shown}:{port}/\n  API  http://{shown}:{port}/docs\n"
            f"  uploads {'enabled (token from ' + ADMIN_TOKEN_ENV + ')' if token else 'disabled (set ' + ADMIN_TOKEN_ENV + ')'}"
        )
        uvicorn.run(web, host=host, port=port, log_level="info", proxy_headers=False, server_header=False,
                    **SERVER_OPTIONS)
    finally:
        store.close()
