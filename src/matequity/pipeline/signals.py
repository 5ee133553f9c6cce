"""``signals run``: MOSS on a store, its files, and new signals in the register.

Events come from the engine (term deaths and births by site and month, and by
day for the excess-events chart); the CUSUM and thresholds are
:mod:`matequity.signals.moss`; new level-1 and level-2 site-months are added to
the register (idempotent: a signal already registered is left as it is).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from matequity import engine as engines
from matequity.signals import register
from matequity.signals.from_store import daily_events, monthly_events
from matequity.signals.moss import moss, signal_summary
from matequity.signals.vlad import vlad
from matequity.tablefiles import write_counts


@dataclass(frozen=True)
class SignalRun:
    chart: pd.DataFrame
    new: int
    already: int
    files: tuple[Path, ...] = ()


def run(
    kind: str,
    store: Path,
    detected: dt.date,
    out: Path | None = None,
    reference_rate: float | None = None,
    **moss_options: object,
) -> SignalRun:
    """MOSS on the store (``moss_options``: per-site reference rates and the
    year-change mode of :func:`matequity.signals.moss.moss`)."""
    with engines.open(kind, store) as eng:
        monthly = monthly_events(eng)
        daily = daily_events(eng) if out else None
    chart = moss(monthly, reference_rate, **moss_options)
    files: tuple[Path, ...] = ()
    if out is not None:
        files = (
            write_counts(chart, out / "moss.csv"),
            write_counts(signal_summary(chart), out / "moss_summary.csv"),
            write_counts(vlad(daily, chart), out / "excess_events.csv"),
        )
    with engines.writer(kind, store, create=False) as w:
        res = register.register(w.duckdb(), chart, detected)
    return SignalRun(chart, res.new, res.already, files)


def listing(kind: str, store: Path) -> pd.DataFrame:
    with engines.writer(kind, store, create=False) as w:
        return register.listing(w.duckdb())


def record(kind: str, store: Path, sid: str, status: str, by: str, actions: str | None) -> int:
    with engines.writer(kind, store, create=False) as w:
        return register.record(w.duckdb(), sid, status, by, actions)
