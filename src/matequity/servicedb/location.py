"""Where the service database is by default: SQLite next to the store.

Kept apart from :mod:`matequity.servicedb.database` so that a command can
find out whether there is a database beside a store (a report reads its
signal register if there is one) without importing SQLAlchemy.
"""

from __future__ import annotations

from pathlib import Path

SQLITE_NAME = "service.sqlite"


def default_url(store: str | Path) -> str:
    """SQLite next to the store: ``<store minus suffix>.service.sqlite`` for a
    DuckDB file, ``<folder>/service.sqlite`` for a folder (Spark) store."""
    p = Path(store).resolve()
    target = p / SQLITE_NAME if p.is_dir() else p.with_suffix(".service.sqlite")
    return f"sqlite:///{target}"


def default_path(store: str | Path) -> Path:
    """The file of :func:`default_url`."""
    return Path(default_url(store).removeprefix("sqlite:///"))
