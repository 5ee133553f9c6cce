"""The service database: users, tokens, sessions, the signal register and its
checks, notifications and the audit log (SQLAlchemy 2, Alembic migrations).

``open_database(url)`` connects and migrates to the newest schema; without a
URL the database is SQLite next to the store (:func:`default_url`).

The names below are imported on first use (PEP 562 module ``__getattr__``):
:func:`default_url` needs no SQLAlchemy, so a report can look for a register
beside its store without importing it.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matequity.servicedb.location import default_url

if TYPE_CHECKING:
    from matequity.servicedb.database import Database, connect, normalise_url
    from matequity.servicedb.migrate import upgrade

#: name -> the module that defines it
_LAZY = {
    "Database": "matequity.servicedb.database",
    "connect": "matequity.servicedb.database",
    "normalise_url": "matequity.servicedb.database",
    "upgrade": "matequity.servicedb.migrate",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def open_database(url: str | None = None, store: str | Path | None = None) -> Database:
    """The migrated service database at ``url`` (default: next to ``store``)."""
    from matequity.errors import UserError
    from matequity.servicedb.database import connect
    from matequity.servicedb.migrate import upgrade

    if url is None:
        if store is None:
            raise UserError("give --database URL or --store (the database sits next to it)")
        url = default_url(store)
    db = connect(url)
    upgrade(db.engine)
    return db


__all__ = ["Database", "connect", "default_url", "normalise_url", "open_database", "upgrade"]
