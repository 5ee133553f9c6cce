"""The service database: users, tokens, sessions, the signal register and its
checks, notifications and the audit log (SQLAlchemy 2, Alembic migrations).

``open_database(url)`` connects and migrates to the newest schema; without a
URL the database is SQLite next to the store (:func:`default_url`).
"""

from __future__ import annotations

from pathlib import Path

from matequity.servicedb.database import Database, connect, default_url, normalise_url
from matequity.servicedb.migrate import upgrade


def open_database(url: str | None = None, store: str | Path | None = None) -> Database:
    """The migrated service database at ``url`` (default: next to ``store``)."""
    from matequity.errors import UserError

    if url is None:
        if store is None:
            raise UserError("give --database URL or --store (the database sits next to it)")
        url = default_url(store)
    db = connect(url)
    upgrade(db.engine)
    return db


__all__ = ["Database", "connect", "default_url", "normalise_url", "open_database", "upgrade"]
