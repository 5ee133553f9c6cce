"""The MOSS excess-events chart (a variable life-adjusted display, Lovegrove et
al. 1997, Lancet 350:1128): the daily cumulative observed minus expected events,
never reset (NHS England MOSS SOP annex 4; nhsengland/Maternity-MOSS).

Expected events per day = the month's expected count / days in the month. Each
day with events carries its month's MOSS signal level.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from matequity.signals.months import month_index

OUTPUT = ("site_code", "date", "events", "expected", "excess", "cumulative_excess", "level")


def vlad(daily_events: pd.DataFrame, chart: pd.DataFrame) -> pd.DataFrame:
    """``daily_events``: site_code, date, events (days without events may be
    absent); ``chart``: the MOSS output (site_code, month, expected, level)."""
    c = chart[["site_code", "month", "expected", "level"]].copy()
    c = c[c["expected"].notna()].reset_index(drop=True)
    period = month_index(c["month"])
    ndays = period.days_in_month.to_numpy()
    rep = np.repeat(np.arange(len(c)), ndays)
    offset = np.arange(len(rep)) - np.repeat(np.cumsum(ndays) - ndays, ndays)
    grid = pd.DataFrame(
        {
            "site_code": c["site_code"].to_numpy()[rep],
            "date": period.start_time.to_numpy()[rep] + pd.to_timedelta(offset, unit="D"),
            "expected": (c["expected"].to_numpy(float) / ndays)[rep],
            "_level": c["level"].to_numpy()[rep],
        }
    )
    ev = daily_events.copy()
    ev["date"] = pd.to_datetime(ev["date"])
    ev = ev.groupby(["site_code", "date"], as_index=False)["events"].sum()
    out = grid.merge(ev, on=["site_code", "date"], how="left")
    out["events"] = out["events"].fillna(0).astype("int64")
    out = out.sort_values(["site_code", "date"]).reset_index(drop=True)
    out["excess"] = out["events"] - out["expected"]
    out["cumulative_excess"] = out.groupby("site_code")["excess"].cumsum()
    out["level"] = out["_level"].where(out["events"] > 0).astype("Int64")
    # the ISO text of each day, as str() of its date gives it (NumPy, not a
    # Python date per row)
    days = np.datetime_as_string(out["date"].to_numpy().astype("datetime64[D]"), unit="D")
    out["date"] = pd.Series(days, index=out.index, dtype=object)
    return out[list(OUTPUT)]
