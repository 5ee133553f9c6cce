"""The signal register as a user may see it: the signals of the sites in
scope (filtered as the listing is fetched, before anything else sees it), the inbox filters and
order (overdue first), one signal with its checks and history. Shared by the
pages and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from matequity.accounts.scope import Scope
from matequity.errors import UserError
from matequity.servicedb import Database
from matequity.signals import snapshot
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


def _inbox_listing(snap: snapshot.Snapshot) -> pd.DataFrame:
    """The snapshot's listing with each signal's API status and API record
    (column ``api``), so that a list is a filter and a slice."""
    df = snap.listing.assign(api_status=snap.listing["display_status"].map(API_STATUS))
    df["api"] = [api_record(r) for r in df.to_dict("records")]
    return df


def _listing(db: Database, today: dt.date) -> tuple[snapshot.Snapshot, pd.DataFrame]:
    snap = snapshot.current(db, today)
    return snap, snap.derived("inbox", _inbox_listing)


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
    _, df = _listing(db, today)
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
    snap, listing = _listing(db, today)
    hit = listing[listing["signal_id"] == sid]
    if hit.empty or not scope.sees_site(hit["site_code"].iloc[0]):
        raise NotFound(f"no signal {sid!r}")
    s = hit.iloc[0].to_dict()
    site = listing[listing["site_code"] == s["site_code"]]
    earlier = site[(site["signal_id"] != sid) & (site["month"] <= s["month"])]
    earlier = earlier.sort_values("month", ascending=False).reset_index(drop=True)
    return SignalDetail(s, snap.checks_of(sid), snap.history(sid), earlier)
