"""The values of the rare-event charts, built from events: births between
events (g-chart) and days between events (t-chart). Each event is one point,
dated by its own date; the first event has no previous one and gives no point
(qicharts2's vignette builds them the same way, with ``x - lag(x)``).

Input shapes (``series_id`` optional in each: one chart per series):

* g, per event: ``date, births_between`` — given as they are;
* g, daily: ``date (YYYY-MM-DD), events, births`` — each event is taken as the
  last birth of its day, so an event's value is the births after the previous
  event's day up to and including its own day (it included); a second or later
  event on the same day counts 1 (itself);
* g, from monthly births and event dates (the store's MOSS tables): births per
  day = the month's term births / the days in the month, as MOSS's excess-events
  chart spreads them (``births_in_day``), summed over the same days and rounded
  to a whole number (at least 1);
* t, per event: ``date, time_between`` (any unit, > 0) — given as they are;
* t, event dates: ``date`` (one row per event) or ``date, events`` (a count per
  day, days without events may be left out): the days since the previous event.
  Two events on one day have no time between them on a calendar: give
  ``time_between`` in a finer unit, or use the g-chart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from matequity.errors import UserError


def _dates(col: pd.Series, what: str = "date") -> pd.Series:
    d = pd.to_datetime(col, errors="coerce", format="mixed")
    if d.isna().any():
        row = int(d.isna().to_numpy().argmax()) + 2
        raise UserError(f"row {row}, column '{what}': expected a date (YYYY-MM-DD)")
    return d


def _numbers(df: pd.DataFrame, col: str, minimum: float, strict: bool = False) -> pd.Series:
    v = pd.to_numeric(df[col], errors="coerce")
    bad = v.isna() | ((v <= minimum) if strict else (v < minimum))
    if bad.any():
        row = int(bad.to_numpy().argmax()) + 2
        need = f"> {minimum:g}" if strict else f">= {minimum:g}"
        raise UserError(f"row {row}, column '{col}': expected a number {need}")
    return v


def _by_series(df: pd.DataFrame, fn) -> pd.DataFrame:
    if "series_id" not in df.columns:
        return fn(df)
    parts = [fn(p).assign(series_id=k) for k, p in df.groupby("series_id", sort=True)]
    return pd.concat(parts, ignore_index=True)


def _expand(dates: pd.Series, counts: pd.Series) -> pd.Series:
    """One date per event."""
    return pd.Series(np.repeat(dates.to_numpy(), counts.astype(int).to_numpy()))


def _g_daily(df: pd.DataFrame) -> pd.DataFrame:
    d = df.assign(date=_dates(df["date"]), events=_numbers(df, "events", 0))
    d["births"] = _numbers(df, "births", 0)
    d = d.groupby("date", as_index=False)[["events", "births"]].sum().sort_values("date")
    rows, since, seen = [], 0.0, False
    for r in d.itertuples(index=False):
        since += r.births
        for j in range(int(r.events)):
            if seen:
                rows.append((r.date, since if j == 0 else 1.0))
            seen = True
        if r.events > 0:
            since = 0.0
    return pd.DataFrame(rows, columns=["date", "value"])


def g_values(table: pd.DataFrame) -> pd.DataFrame:
    """``date, value`` (and ``series_id``) for the g-chart, from a per-event or a
    daily table (see the module's description)."""
    if "births_between" in table.columns:

        def given(df: pd.DataFrame) -> pd.DataFrame:
            return pd.DataFrame(
                {"date": _dates(df["date"]), "value": _numbers(df, "births_between", 0)}
            )

        return _by_series(table, given)
    if {"events", "births"} <= set(table.columns):
        return _by_series(table, _g_daily)
    raise UserError(
        "a g-chart table needs date and births_between (one row per event), "
        "or date, events and births (one row per day)"
    )


def g_from_monthly(events: pd.DataFrame, monthly: pd.DataFrame) -> pd.DataFrame:
    """g-chart values from event dates (``date, events``) and monthly births
    (``month`` YYYY-MM, ``births``): births spread evenly over each month's
    days, as MOSS spreads them for its excess-events chart."""
    if events.empty:
        return pd.DataFrame(columns=["date", "value"])
    m = monthly.assign(_p=pd.PeriodIndex(monthly["month"].astype(str).str[:7], freq="M"))
    per_day = m.groupby("_p")["births"].sum() / m.groupby("_p")["_p"].first().dt.days_in_month
    ev = events.assign(date=_dates(events["date"]))
    ev = ev[ev["events"] > 0].groupby("date")["events"].sum().sort_index()
    start = min(ev.index.min(), m["_p"].min().start_time)
    days = pd.date_range(start, ev.index.max(), freq="D")
    births = days.to_period("M").map(lambda p: per_day.get(p, 0.0)).to_numpy(float)
    cum = pd.Series(np.cumsum(births), index=days)
    rows, prev = [], None
    for day, n in ev.items():
        for j in range(int(n)):
            if prev is not None:
                value = max(1.0, float(round(cum[day] - cum[prev]))) if j == 0 else 1.0
                rows.append((day, value))
            prev = day
    return pd.DataFrame(rows, columns=["date", "value"])


def _t_dates(df: pd.DataFrame) -> pd.DataFrame:
    d = df.assign(date=_dates(df["date"]))
    if "events" in d.columns:
        d = d.assign(events=_numbers(df, "events", 0))
        dates = _expand(d["date"], d["events"])
    else:
        dates = d["date"]
    dates = dates.sort_values(kind="stable").reset_index(drop=True)
    gaps = dates.diff().dt.days
    if (gaps.iloc[1:] == 0).any():
        at = dates[gaps == 0].iloc[0].date()
        raise UserError(
            f"two events on {at}: the t-chart needs times > 0 between events; give "
            "time_between in a finer unit (e.g. hours) or use the g-chart"
        )
    return pd.DataFrame({"date": dates.iloc[1:].to_numpy(), "value": gaps.iloc[1:].to_numpy()})


def t_values(table: pd.DataFrame) -> pd.DataFrame:
    """``date, value`` (and ``series_id``) for the t-chart: days between events
    (from event dates) or the given ``time_between``."""
    if "date" not in table.columns:
        raise UserError("a t-chart table needs a date column (one row per event)")
    if "time_between" in table.columns:

        def given(df: pd.DataFrame) -> pd.DataFrame:
            return pd.DataFrame(
                {
                    "date": _dates(df["date"]),
                    "value": _numbers(df, "time_between", 0, strict=True),
                }
            )

        return _by_series(table, given)
    return _by_series(table, _t_dates)


def chart_values(table: pd.DataFrame, chart: str) -> pd.DataFrame:
    """The points an SPC chart of kind ``chart`` plots: the table itself for
    ``xmr`` (date, value), else the g- or t-chart values built from events."""
    if chart == "g":
        return g_values(table)
    if chart == "t":
        return t_values(table)
    return table
