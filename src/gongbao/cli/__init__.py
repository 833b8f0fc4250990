"""The ``gongbao`` command line. Each sub-module registers its commands on ``app``."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="gongbao",
    help="gongbao (公报): parse, archive, search and serve Chinese government gazettes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



def _version(value: bool) -> None:
    if value:
        from gongbao import __version__

        typer.echo(f"gongbao {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """gongbao (公报): parse, archive, search and serve Chinese government gazettes."""


# Command modules register themselves on import (order = order in --help).
from gongbao.cli import archive_cmd, export_cmd, obligations_cmd, parse_cmd, serve_cmd  # noqa: E402,F401


def main() -> None:
    app()
