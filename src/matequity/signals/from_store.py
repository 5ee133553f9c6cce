"""Monthly and daily MOSS events from the store, counted in the engine.

Events: term stillbirths and term neonatal deaths (``moss_event``), by site and
month of birth; denominator: term total births (``term_birth``). Both from
:mod:`matequity.engine.derived`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from matequity.counts.compute import period_labels
from matequity.engine.base import Engine
from matequity.errors import UserError
from matequity.measures.flags import FLAG

EVENT, TERM_BIRTH = FLAG["moss_event"], FLAG["term_birth"]


def monthly_events(engine: Engine) -> pd.DataFrame:
    """site_code, month, events, births."""
    rows = engine.sums("babies_derived", ["site_code", "year", "month"], [EVENT, TERM_BIRTH])
    df = pd.DataFrame(rows, columns=["site_code", "year", "month", "events", "births"])
    df = df.astype({"events": "int64", "births": "int64"})
    df["month"] = period_labels(df, "month")
    df = df.drop(columns=["year"])[["site_code", "month", "events", "births"]]
    return df.sort_values(["site_code", "month"]).reset_index(drop=True)


def daily_events(engine: Engine, sites: Sequence[str] | None = None) -> pd.DataFrame:
    """site_code, date, events (days with at least one event), in that order
    (the same rows in the same order on every engine); ``sites``: only these
    sites' days (filtered in the engine)."""
    within = ("site_code", list(sites)) if sites is not None else None
    rows = engine.sums(
        "babies_derived", ["site_code", "birth_date"], [EVENT], within=within, among=EVENT
    )
    df = pd.DataFrame(rows, columns=["site_code", "date", "events"]).astype({"events": "int64"})
    df["date"] = pd.to_datetime(df["date"]).dt.date.astype(str)
    return df.sort_values(["site_code", "date"]).reset_index(drop=True)


def g_chart_input(monthly: pd.DataFrame, daily: pd.DataFrame, site: str) -> pd.DataFrame:
    """One site's g-chart values (``date, value``): term births between MOSS
    events (term stillbirths and term neonatal deaths), from the monthly and
    daily tables above; births are spread evenly over each month's days, as
    MOSS's excess-events chart spreads them
    (:func:`matequity.spc.between_events.g_from_monthly`)."""
    from matequity.spc.between_events import g_from_monthly

    m = monthly[monthly["site_code"] == site]
    if m.empty:
        raise UserError(f"site {site}: no births in the store")
    return g_from_monthly(daily[daily["site_code"] == site], m)
