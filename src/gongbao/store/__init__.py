"""Storage and search: one :class:`Store` interface, SQLite (default) and PostgreSQL backends.

>>> from gongbao.store import open_store, resolve_db
>>> store = open_store(resolve_db(None))   # GONGBAO_DB, else the user's data dir  # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path

from gongbao.store.base import (
    FACETS,
    CitationLink,
    CitedBy,
    DocRef,
    DocumentRecord,
    FacetValue,
    Hit,
    IssueRecord,
    IssueSummary,
    QueryError,
    SearchFilters,
    SearchResult,
    Store,
    StoreError,
    StoreOutcome,
    StoreStats,
    highlight_html,
)

__all__ = [
    "FACETS",
    "CitationLink",
    "CitedBy",
    "DocRef",
    "DocumentRecord",
    "FacetValue",
    "Hit",
    "IssueRecord",
    "IssueSummary",
    "QueryError",
    "SearchFilters",
    "SearchResult",
    "Store",
    "StoreError",
    "StoreOutcome",
    "StoreStats",
    "default_db_path",
    "highlight_html",
    "is_postgres_url",
    "open_store",
    "resolve_db",
]

ENV_VAR = "GONGBAO_DB"


def default_db_path() -> Path:
    """``<user data dir>/gongbao/gongbao.db`` (platformdirs)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("gongbao", appauthor=False)) / "gongbao.db"


def resolve_db(db: str | os.PathLike[str] | None) -> str:
    """The archive to use: ``db`` if given, else ``$GONGBAO_DB``, else :func:`default_db_path`."""
    if db is not None and str(db).strip():
        return str(db)
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return env
    return str(default_db_path())


def is_postgres_url(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def open_store(target: str | os.PathLike[str] | None = None, *, create: bool = True) -> Store:
    """Open (and create or migrate) an archive: a SQLite file path or a ``postgresql://`` URL.

    ``None`` means :func:`resolve_db` (``GONGBAO_DB`` or the default file). With ``create=False`` a
    missing SQLite file is a :class:`StoreError` instead of a new empty archive.
    """
    where = resolve_db(target)
    if is_postgres_url(where):
        from gongbao.store.postgres import PostgresStore

        return PostgresStore(where)
    from gongbao.store.sqlite import SQLiteStore

    return SQLiteStore(where, create=create)
