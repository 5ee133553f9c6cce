"""The signal workflow's commands as library functions: open the service
database for a store (migrated, the store's old register moved in), run MOSS
on the store and register new signals (and notify), send reminders.

The CLI (``matequity signals run|list|check|remind``) and the service call
these; the store is reached through :class:`matequity.analyses.source.StoreSource`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from matequity.analyses import queries
from matequity.analyses.source import StoreSource
from matequity.errors import UserError
from matequity.notify import dispatch
from matequity.notify.config import NotifyConfig
from matequity.servicedb import Database, default_url, open_database
from matequity.signals import register
from matequity.signals.from_store import daily_events
from matequity.signals.moss import signal_summary
from matequity.signals.store_import import ImportResult, import_register
from matequity.signals.vlad import vlad
from matequity.tablefiles import write_counts


@dataclass(frozen=True)
class ServiceStore:
    source: StoreSource
    db: Database
    imported: ImportResult

    def organisations(self) -> pd.DataFrame:
        """The store's organisation hierarchy."""
        with self.source.open() as eng:
            return queries.organisations(eng).table


def open_service(
    store: str | Path, kind: str = "duckdb", database: str | None = None
) -> ServiceStore:
    """The migrated service database for ``store`` (default: SQLite next to it),
    with the store's old register (if any) moved in."""
    if not Path(store).exists():
        raise UserError(f"{store}: no such store; run 'matequity ingest' first")
    source = StoreSource(kind, str(store))
    db = open_database(database or default_url(store))
    imported = ImportResult(0, 0)
    if kind == "duckdb" and Path(store).is_file():
        with source.open() as eng:
            imported = import_register(eng, db, str(Path(store).resolve()))
    return ServiceStore(source, db, imported)


@dataclass(frozen=True)
class RunOutcome:
    result: register.RunResult
    detected: dt.date
    written: tuple[Path, ...] = ()
    notified: dispatch.NotifyResult = field(default_factory=dispatch.NotifyResult)


def run(
    svc: ServiceStore,
    detected: dt.date,
    reference_rate: float | None = None,
    out: Path | None = None,
    notify: NotifyConfig | None = None,
    **moss_options: object,
) -> RunOutcome:
    """MOSS on the whole store, every new level-1/2 site-month registered
    (idempotent), the CSVs written to ``out`` and the trust's users notified."""
    written: list[Path] = []
    with svc.source.open() as eng:
        charts = queries.moss_charts(eng, reference_rate=reference_rate, **moss_options)
        orgs = queries.organisations(eng).table
        daily = daily_events(eng) if out else None
    chart = charts.chart
    if out:
        written.append(write_counts(chart, out / "moss.csv"))
        written.append(write_counts(signal_summary(chart), out / "moss_summary.csv"))
        written.append(write_counts(vlad(daily, chart), out / "excess_events.csv"))
    trusts = dict(zip(orgs["site_code"], orgs["trust_code"], strict=True))
    res = register.register(
        svc.db,
        chart,
        detected,
        trusts=trusts,
        run=register.RunInfo(svc.source.location, svc.source.kind, reference_rate),
    )
    notified = dispatch.NotifyResult()
    if notify is not None and res.new_ids:
        new = register.listing(svc.db, detected, signal_ids=list(res.new_ids))
        notified = dispatch.notify_new(svc.db, new, orgs, notify)
    return RunOutcome(res, detected, tuple(written), notified)


def remind(svc: ServiceStore, today: dt.date, notify: NotifyConfig) -> dispatch.NotifyResult:
    """Reminders before and after each open signal's due date (idempotent: cron-safe)."""
    with svc.source.open() as eng:
        orgs = queries.organisations(eng).table
    return dispatch.remind(svc.db, register.listing(svc.db, today), orgs, notify, today)
