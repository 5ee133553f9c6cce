"""Moving an existing store's signal register (the ``signals`` and
``signal_events`` tables that earlier versions kept in the DuckDB store) into
the service database. Read through the engine (``has_table``/``table``/
``execute``); idempotent: signals and events already present are skipped.

An old ``check_recorded`` event had no check form: it becomes a check whose
findings say so and whose outcome is ``not_recorded``, linked from the event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from matequity.engine.base import Engine
from matequity.servicedb import Database
from matequity.servicedb import schema as t

IMPORTED_FINDINGS = "(imported from the store's register: no findings were recorded)"
IMPORTED_OUTCOME = "not_recorded"


@dataclass(frozen=True)
class ImportResult:
    signals: int
    events: int


def _date(v) -> dt.date:
    return pd.Timestamp(v).date()


def _ts(v) -> dt.datetime:
    return (
        dt.datetime.now(dt.UTC).replace(tzinfo=None)
        if pd.isna(v)
        else pd.Timestamp(v).to_pydatetime()
    )


def import_register(engine: Engine, db: Database, store_label: str) -> ImportResult:
    """Copy the store's old register into ``db`` (nothing when it has none)."""
    if not (engine.has_table("signals") and engine.has_table("signal_events")):
        return ImportResult(0, 0)
    old_s = engine.execute(engine.table("signals"))
    old_e = engine.execute(engine.table("signal_events"))
    if old_s.empty:
        return ImportResult(0, 0)
    orgs = (
        engine.execute(engine.table("organisations")) if engine.has_table("organisations") else None
    )
    trust = {} if orgs is None else dict(zip(orgs["site_code"], orgs["trust_code"], strict=True))
    n_sig = n_ev = 0
    with db.begin() as con:
        known = set(con.execute(sa.select(t.signals.c.signal_id)).scalars())
        have_events = {
            (r.signal_id, r.event_no)
            for r in con.execute(sa.select(t.signal_events.c.signal_id, t.signal_events.c.event_no))
        }
        for r in old_s.itertuples():
            if r.signal_id in known:
                continue
            con.execute(
                t.signals.insert().values(
                    signal_id=r.signal_id,
                    method=r.method,
                    site_code=r.site_code,
                    trust_code=trust.get(r.site_code),
                    month=r.month,
                    level=int(r.level),
                    first_detected=_date(r.first_detected),
                    due_date=_date(r.due_date),
                    registered_at=_ts(r.registered_at),
                )
            )
            n_sig += 1
        known |= set(old_s["signal_id"])
        ev = old_e[old_e["signal_id"].isin(known)].sort_values(["signal_id", "event_no"])
        checks_so_far: dict[str, int] = {}
        for r in ev.itertuples():
            if (r.signal_id, int(r.event_no)) in have_events:
                continue
            check_id = None
            at = _ts(r.recorded_at)
            if r.status == "check_recorded":
                if r.signal_id not in checks_so_far:
                    checks_so_far[r.signal_id] = int(
                        con.execute(
                            sa.select(sa.func.count()).where(
                                t.signal_checks.c.signal_id == r.signal_id
                            )
                        ).scalar_one()
                    )
                checks_so_far[r.signal_id] += 1
                check_id = con.execute(
                    t.signal_checks.insert()
                    .values(
                        signal_id=r.signal_id,
                        check_no=checks_so_far[r.signal_id],
                        checked_by=r.recorded_by or "not recorded",
                        check_date=at.date(),
                        findings=IMPORTED_FINDINGS,
                        actions=r.actions if isinstance(r.actions, str) else "",
                        escalated=False,
                        outcome=IMPORTED_OUTCOME,
                        submitted_by=r.recorded_by or "not recorded",
                        submitted_at=at,
                    )
                    .returning(t.signal_checks.c.id)
                ).scalar_one()
            con.execute(
                t.signal_events.insert().values(
                    signal_id=r.signal_id,
                    event_no=int(r.event_no),
                    status=r.status,
                    recorded_by=r.recorded_by or "not recorded",
                    recorded_at=at,
                    actions=r.actions if isinstance(r.actions, str) else None,
                    check_id=check_id,
                )
            )
            n_ev += 1
        if n_sig or n_ev:
            con.execute(
                t.store_imports.insert().values(
                    store=store_label,
                    imported_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                    signals=n_sig,
                    events=n_ev,
                )
            )
    return ImportResult(n_sig, n_ev)
