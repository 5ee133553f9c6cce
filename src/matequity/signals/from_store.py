"""Monthly and daily MOSS events from the store, counted in the engine.

Events: term stillbirths and term neonatal deaths (``moss_event``), by site and
month of birth; denominator: term total births (``term_birth``). Both from
:func:`matequity.engine.derive.babies_derived`.
"""

from __future__ import annotations

import pandas as pd

from matequity.engine import derive
from matequity.engine.backend import Engine


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
