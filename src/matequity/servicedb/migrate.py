"""Run the packaged Alembic migrations (no alembic.ini: the script location is
this package's ``migrations`` folder and the connection is handed over).

Every command that reads the service database opens it through
:func:`upgrade`, and nearly always it is already at the newest revision: that
is checked by reading Alembic's own ``alembic_version`` table against
:data:`HEAD`, and Alembic itself (about a sixth of a second to import) is
imported only to migrate. A test keeps :data:`HEAD` equal to the newest
revision of the migration scripts.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
#: the newest revision in ``migrations/versions`` (checked against Alembic's by a test)
HEAD = "0001"
#: Alembic's table of the revision a database is at (its default name)
VERSION_TABLE = "alembic_version"


def _config(con: sa.Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if con is not None:
        cfg.attributes["connection"] = con
    return cfg


def head() -> str:
    """The newest revision shipped, as Alembic finds it in the scripts."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head() or ""


def current(engine: sa.Engine) -> str | None:
    """The database's revision (None: never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as con:
        return MigrationContext.configure(con).get_current_revision()


def _at_head(engine: sa.Engine) -> bool:
    """Whether the database's one revision is :data:`HEAD`, read without Alembic."""
    with engine.connect() as con:
        if not sa.inspect(con).has_table(VERSION_TABLE):
            return False
        version = sa.table(VERSION_TABLE, sa.column("version_num"))
        return con.execute(sa.select(version.c.version_num)).scalars().all() == [HEAD]


def upgrade(engine: sa.Engine, revision: str = "head") -> str:
    """Bring the database to ``revision`` (idempotent); returns the revision now."""
    if revision == "head" and _at_head(engine):
        return HEAD
    from alembic import command

    if current(engine) == head() and revision == "head":
        return head()
    with engine.begin() as con:
        command.upgrade(_config(con), revision)
    return current(engine) or ""
