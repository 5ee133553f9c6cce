"""Monthly and daily MOSS events from the store, counted in the engine.

Events: term stillbirths and term neonatal deaths (``moss_event``), by site and
month of birth; denominator: term total births (``term_birth``). Both from
:func:`matequity.engine.derive.babies_derived`.
"""

from __future__ import annotations

import pandas as pd

from matequity.engine import derive
from matequity.engine.backend import Engine
from matequity.errors import UserError


def _babies(engine: Engine):
    return derive.babies_derived(
        engine.table("babies"), engine.table("organisations"), engine.table("imd_lookup")
    )


def monthly_events(engine: Engine) -> pd.DataFrame:
    """site_code, month, events, births."""
    b = _babies(engine)
    agg = b.group_by(site_code=b.site_code, month=derive.period_label(b.birth_date, "month"))
    df = engine.execute(agg.aggregate(events=b.moss_event.sum(), births=b.term_birth.sum()))
    return df.sort_values(["site_code", "month"]).reset_index(drop=True)


def daily_events(engine: Engine) -> pd.DataFrame:
    """site_code, date, events (days with at least one event)."""
    b = _babies(engine)
    e = b.filter(b.moss_event == 1)
    df = engine.execute(
        e.group_by(site_code=e.site_code, date=e.birth_date).aggregate(events=e.count())
    )
    df["date"] = pd.to_datetime(df["date"]).dt.date.astype(str)
    return df


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
