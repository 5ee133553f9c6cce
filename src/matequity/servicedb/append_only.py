"""Triggers that make a table append-only: any UPDATE or DELETE (and, on
PostgreSQL, TRUNCATE) fails inside the database, whoever issues it.

SQLite: ``BEFORE UPDATE``/``BEFORE DELETE`` triggers that ``RAISE(ABORT, ...)``
(SQLite documentation, "CREATE TRIGGER", the RAISE function). PostgreSQL: one
PL/pgSQL function raising an exception, attached ``BEFORE UPDATE OR DELETE ...
FOR EACH ROW`` and ``BEFORE TRUNCATE ... FOR EACH STATEMENT`` (PostgreSQL 15
documentation, "CREATE TRIGGER"). Table names are fixed identifiers from
:data:`matequity.servicedb.schema.APPEND_ONLY`, quoted by the dialect.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

MESSAGE = "append-only table: rows cannot be updated or deleted"
PG_FUNCTION = "matequity_append_only"


def create_statements(dialect: sa.Dialect, tables: Iterable[str]) -> list[str]:
    """DDL that makes each table append-only on ``dialect`` (sqlite or postgresql)."""
    q = dialect.identifier_preparer.quote
    out: list[str] = []
    if dialect.name == "sqlite":
        for t in tables:
            for op in ("UPDATE", "DELETE"):
                name = q(f"{t}_no_{op.lower()}")
                out.append(
                    f"CREATE TRIGGER {name} BEFORE {op} ON {q(t)} "
                    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
                )
    elif dialect.name == "postgresql":
        out.append(
            f"CREATE OR REPLACE FUNCTION {q(PG_FUNCTION)}() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"RAISE EXCEPTION '{MESSAGE} (%)', TG_TABLE_NAME; END $$"
        )
        for t in tables:
            out.append(
                f"CREATE TRIGGER {q(t + '_append_only')} BEFORE UPDATE OR DELETE ON {q(t)} "
                f"FOR EACH ROW EXECUTE FUNCTION {q(PG_FUNCTION)}()"
            )
            out.append(
                f"CREATE TRIGGER {q(t + '_no_truncate')} BEFORE TRUNCATE ON {q(t)} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {q(PG_FUNCTION)}()"
            )
    else:  # pragma: no cover - open_database refuses other dialects
        raise ValueError(f"append-only triggers not defined for {dialect.name}")
    return out
