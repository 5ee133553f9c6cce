"""Monthly and daily MOSS events from the store, counted in the engine.

Events: term stillbirths and term neonatal deaths (``moss_event``), by site and
month of birth; denominator: term total births (``term_birth``). Both from
:mod:`matequity.engine.derived`.
"""

from __future__ import annotations

import pandas as pd

from matequity.counts.compute import period_labels
from matequity.engine.base import Engine


def monthly_events(engine: Engine) -> pd.DataFrame:
    """site_code, month, events, births."""
    b = engine.table("babies_derived")
    agg = b.group_by("site_code", "year", "month").aggregate(
        events=b.moss_event.sum(), births=b.term_birth.sum()
    )
    df = engine.execute(agg)
    df["month"] = period_labels(df, "month")
    df = df.drop(columns=["year"])[["site_code", "month", "events", "births"]]
    return df.sort_values(["site_code", "month"]).reset_index(drop=True)


def daily_events(engine: Engine) -> pd.DataFrame:
    """site_code, date, events (days with at least one event)."""
    b = engine.table("babies_derived")
    e = b.filter(b.moss_event == 1)
    df = engine.execute(
        e.group_by(site_code=e.site_code, date=e.birth_date).aggregate(events=e.count())
    )
    df["date"] = pd.to_datetime(df["date"]).dt.date.astype(str)
    return df
