"""Run the packaged Alembic migrations (no alembic.ini: the script location is
this package's ``migrations`` folder and the connection is handed over)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(con: sa.Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if con is not None:
        cfg.attributes["connection"] = con
    return cfg


def head() -> str:
    """The newest revision shipped."""
    return ScriptDirectory.from_config(_config()).get_current_head() or ""


def current(engine: sa.Engine) -> str | None:
    """The database's revision (None: never migrated)."""
    with engine.connect() as con:
        return MigrationContext.configure(con).get_current_revision()


def upgrade(engine: sa.Engine, revision: str = "head") -> str:
    """Bring the database to ``revision`` (idempotent); returns the revision now."""
    if current(engine) == head() and revision == "head":
        return head()
    with engine.begin() as con:
        command.upgrade(_config(con), revision)
    return current(engine) or ""
