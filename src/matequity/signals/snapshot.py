"""The signal register read whole, once per version: every signal in the
inbox's order with its status, every check and every event, kept per process
while the register's :func:`~matequity.signals.register.version` and the day
stay the same.

The register's three tables are append-only (database triggers), so their
sizes and newest ids move with every signal, check and event recorded, by any
process; a reader looks at the version (one small query) and reads the tables
again only when it has moved. The version is read before the tables, so a
snapshot is never older than its stamp (a write in between only costs another
read on the next look).
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from matequity.servicedb import Database
from matequity.signals import register

T = TypeVar("T")

#: the inbox's order of display statuses: overdue checks first
INBOX_ORDER = {"overdue": 0, "new": 1, "in progress": 2, "check recorded": 3, "closed": 4}


@dataclass(frozen=True, eq=False)
class Snapshot:
    """The register at ``stamp`` (its version and the day statuses were
    judged on). ``listing`` is in the inbox's order (overdue, new, in
    progress, check recorded, closed; newest notification first within each).
    Frames are shared by every request of the process: never change them in
    place."""

    stamp: tuple[tuple[int, int, int], dt.date]
    listing: pd.DataFrame
    events: pd.DataFrame
    checks: pd.DataFrame
    _events_at: dict[str, np.ndarray] = field(repr=False)
    _checks_at: dict[str, np.ndarray] = field(repr=False)
    _derived: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def history(self, sid: str) -> pd.DataFrame:
        """The signal's events, oldest first (as :func:`register.history`)."""
        return _rows(self.events, self._events_at.get(sid))

    def checks_of(self, sid: str) -> pd.DataFrame:
        """Every check submitted for the signal, oldest first (as
        :func:`register.checks`)."""
        return _rows(self.checks, self._checks_at.get(sid))

    def derived(self, name: str, build: Callable[[Snapshot], T]) -> T:
        """``build(self)``, computed once per snapshot (a view of the register
        that a caller keeps as long as the register stays the same)."""
        with self._lock:
            if name not in self._derived:
                self._derived[name] = build(self)
            return self._derived[name]


def _rows(frame: pd.DataFrame, at: np.ndarray | None) -> pd.DataFrame:
    if at is None:
        return frame.iloc[0:0].reset_index(drop=True)
    return frame.iloc[at].reset_index(drop=True)


def read(db: Database, today: dt.date, version: tuple[int, int, int] | None = None) -> Snapshot:
    """The register as it stands (no cache: :func:`current` keeps one).
    ``version``: the register's version as the caller has just read it (read
    here when not given); it is read before the tables either way."""
    stamp = (register.version(db) if version is None else version, today)
    df = register.listing(db, today)
    df = df.assign(_o=df["display_status"].map(INBOX_ORDER))
    df = df.sort_values(
        ["_o", "first_detected", "site_code", "month"], ascending=[True, False, True, True]
    )
    listing = df.drop(columns="_o").reset_index(drop=True)
    events = register.history(db, None)
    checks = register.checks(db, None)
    return Snapshot(
        stamp,
        listing,
        events,
        checks,
        _positions(events["signal_id"]),
        _positions(checks["signal_id"]),
    )


def _positions(ids: pd.Series) -> dict[str, np.ndarray]:
    return {k: np.asarray(v) for k, v in ids.groupby(ids, sort=False).indices.items()}


class _Kept:
    """The latest snapshot per service database engine (weakly: a disposed
    database's snapshot goes with its engine, and a new database at the same
    URL is read afresh)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def get(self, db: Database, today: dt.date) -> Snapshot:
        stamp = (register.version(db), today)
        with self._lock:
            kept = self._kept.get(db.engine)
        if kept is not None and kept.stamp == stamp:
            return kept
        snap = read(db, today, stamp[0])
        with self._lock:
            self._kept[db.engine] = snap
        return snap


_KEPT = _Kept()


def current(db: Database, today: dt.date) -> Snapshot:
    """The register as it stands, read again only when its version or the day
    has changed since this process last read it."""
    return _KEPT.get(db, today)
