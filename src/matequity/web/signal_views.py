"""The signal register as a user may see it: the signals of the sites in
scope (filtered as the listing is fetched, before anything else sees it), the inbox filters and
order (overdue first), one signal with its checks and history. Shared by the
pages and the API."""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from dataclasses import dataclass
from typing import Any

import pandas as pd

from matequity.accounts.scope import Scope
from matequity.errors import UserError
from matequity.servicedb import Database
from matequity.signals import register
from matequity.web.data import NotFound
from matequity.web.jsonable import value

#: inbox and API status filters; 'open' is anything not closed
STATUS_FILTERS = ("open", "new", "in_progress", "check_recorded", "overdue", "closed")
API_STATUS = {
    "new": "new",
    "in progress": "in_progress",
    "check recorded": "check_recorded",
    "closed": "closed",
    "overdue": "overdue",
}
ORDER = {"overdue": 0, "new": 1, "in progress": 2, "check recorded": 3, "closed": 4}


@dataclass(frozen=True)
class SignalFilters:
    status: str | None = None
    level: int | None = None
    site: str | None = None
    trust: str | None = None
    month_from: str | None = None
    month_to: str | None = None

    def validated(self) -> SignalFilters:
        if self.status and self.status not in STATUS_FILTERS:
            raise UserError(f"status {self.status!r}: expected one of {', '.join(STATUS_FILTERS)}")
        if self.level is not None and self.level not in (1, 2):
            raise UserError("level: expected 1 (amber) or 2 (red)")
        for name in ("month_from", "month_to"):
            v = getattr(self, name)
            if v and not (len(v) == 7 and v[4] == "-" and v[:4].isdigit() and v[5:].isdigit()):
                raise UserError(f"{name} {v!r}: expected YYYY-MM")
        return self


class _Listings:
    """The whole register's listing per service database in the inbox's order
    (overdue first, then new, in progress, check recorded and closed; newest
    notification first within each), kept while its
    :func:`~matequity.signals.register.version` and the day stay the same (a
    check recorded by any worker moves the version; every request reads it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # by engine, dropped with it (a URL can name a new database later)
        self._kept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def get(self, db: Database, today: dt.date) -> pd.DataFrame:
        key = db.engine
        stamp = (register.version(db), today)
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        df = register.listing(db, today)
        df["api_status"] = df["display_status"].map(API_STATUS)
        df = df.assign(_o=df["display_status"].map(ORDER))
        df = df.sort_values(
            ["_o", "first_detected", "site_code", "month"], ascending=[True, False, True, True]
        )
        df = df.drop(columns="_o").reset_index(drop=True)
        df["api"] = [api_record(r) for r in df.to_dict("records")]
        with self._lock:
            self._kept[key] = (stamp, df)
        return df


_LISTINGS = _Listings()


def api_record(s: dict) -> dict[str, Any]:
    """A signal as the API gives it (``/api/v1/signals``), JSON-ready; kept in
    the listing (column ``api``) so that a list is a filter and a slice."""
    return {
        "id": s["signal_id"],
        "site_code": s["site_code"],
        "trust_code": s["trust_code"],
        "month": s["month"],
        "level": int(s["level"]),
        "notified": value(s["first_detected"]),
        "due_date": value(s["due_date"]),
        "status": s["api_status"],
        "checks": int(s["checks"]),
        "escalated": bool(s["escalated"]),
    }


def visible(db: Database, scope: Scope, today: dt.date) -> pd.DataFrame:
    """The register's signals at the sites in ``scope``, in the inbox's order
    (never to be changed in place: the frame is shared by the requests of this
    process)."""
    df = _LISTINGS.get(db, today)
    if scope.everything:
        return df
    return df[df["site_code"].isin(list(scope.sites))].reset_index(drop=True)


def inbox(db: Database, scope: Scope, filters: SignalFilters, today: dt.date) -> pd.DataFrame:
    """Signals in scope, filtered, overdue first, then new, in progress, check
    recorded and closed; newest notification first within each (the order of
    :func:`visible`, which filtering keeps)."""
    f = filters.validated()
    df = visible(db, scope, today)
    if f.status == "open":
        df = df[df["status"] != "closed"]
    elif f.status:
        df = df[df["api_status"] == f.status]
    if f.level is not None:
        df = df[df["level"] == f.level]
    if f.site:
        df = df[df["site_code"] == f.site]
    if f.trust:
        df = df[df["trust_code"] == f.trust]
    if f.month_from:
        df = df[df["month"] >= f.month_from]
    if f.month_to:
        df = df[df["month"] <= f.month_to]
    return df.reset_index(drop=True)


@dataclass(frozen=True)
class SignalDetail:
    signal: dict
    checks: pd.DataFrame
    history: pd.DataFrame
    earlier: pd.DataFrame


def detail(db: Database, scope: Scope, sid: str, today: dt.date) -> SignalDetail:
    """One signal in scope (NotFound otherwise: a signal outside scope does not
    exist for the user), its checks, history and the site's earlier signals."""
    listing = _LISTINGS.get(db, today)
    hit = listing[listing["signal_id"] == sid]
    if hit.empty or not scope.sees_site(hit["site_code"].iloc[0]):
        raise NotFound(f"no signal {sid!r}")
    s = hit.iloc[0].to_dict()
    site = listing[listing["site_code"] == s["site_code"]]
    earlier = site[(site["signal_id"] != sid) & (site["month"] <= s["month"])]
    earlier = earlier.sort_values("month", ascending=False).reset_index(drop=True)
    return SignalDetail(s, register.checks(db, sid), register.history(db, sid), earlier)
