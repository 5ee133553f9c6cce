"""The audit log of the service (append-only: database triggers refuse UPDATE
and DELETE): who signed in (or failed to), viewed which organisation's
record-derived figures, exported what, recorded which check, and account
changes. Entries hold codes and parameters, never record-level values."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd
import sqlalchemy as sa

from matequity.servicedb import Database
from matequity.servicedb import schema as t

ACTIONS = (
    "sign_in",
    "sign_in_failed",
    "sign_out",
    "view",
    "export",
    "check_recorded",
    "status_recorded",
    "user_added",
    "user_disabled",
    "token_created",
    "signals_registered",
    "store_register_imported",
)


def record(
    db: Database | sa.Connection,
    actor: str,
    action: str,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    user_id: int | None = None,
    ip: str | None = None,
) -> None:
    """Append one entry (inside ``db``'s transaction when given a connection)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    values = {
        "at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
        "user_id": user_id,
        "actor": actor[:320],
        "action": action,
        "target": None if target is None else target[:300],
        "detail": None if detail is None else json.dumps(detail, sort_keys=True, default=str),
        "ip": None if ip is None else ip[:64],
    }
    if isinstance(db, sa.Connection):
        db.execute(t.audit_log.insert().values(**values))
    else:
        with db.begin() as con:
            con.execute(t.audit_log.insert().values(**values))


def entries(db: Database, action: str | None = None, limit: int = 1000) -> pd.DataFrame:
    """The newest entries first."""
    a = t.audit_log
    q = sa.select(a).order_by(a.c.id.desc()).limit(limit)
    if action:
        q = q.where(a.c.action == action)
    with db.read() as con:
        rows = con.execute(q).all()
    return pd.DataFrame([dict(r._mapping) for r in rows], columns=[c.name for c in a.columns])
