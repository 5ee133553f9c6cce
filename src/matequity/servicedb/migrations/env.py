"""Alembic environment: runs on the connection handed over by
:func:`matequity.servicedb.migrate.upgrade` (no alembic.ini, no URL in a file)."""

from __future__ import annotations

from alembic import context

from matequity.servicedb.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
