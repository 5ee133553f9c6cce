"""The MOSS chart: a zero-start Poisson CUSUM of term stillbirths and term
neonatal deaths per site of birth and month of birth (NHS England, Maternity
Outcomes Signal System SOP, annexes 3 and 4; the published analysis code
nhsengland/Maternity-MOSS, ``Functions.R`` after the CUSUMdesign 1.1.8 change).

Expected count per site and calendar year Y: mu0 = reference rate x the site's
mean monthly term births in Y-1. The reference rate is England's events / term
births over Y-3..Y-1 (or a user's rate, national or per site). Thresholds per
site-year from :func:`matequity.signals.thresholds.moss_thresholds`.

Recursion per site, months in order, months without events filled with 0::

    S_0 = 0
    when the grid denominator d changes (a new year): S = round(S d) / d
    reset_t = round(S_{t-1} d) >= round(h2_t d)          # last month signalled red
    S_t = max(0, X_t - k)            if reset_t
          max(0, S_{t-1} + X_t - k)  otherwise            (reported to 6 dp)
    level 2 if round(S_t d) >= round(h2 d); else level 1 if X_t > 0 and
    round(S_t d) >= round(h1 d); else 0

Comparisons are on the grid (integers), as MOSS does since CUSUMdesign 1.1.8.
Works on a monthly count table; never on records.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from matequity.errors import UserError
from matequity.signals.thresholds import moss_thresholds

OUTPUT = ("site_code", "month", "events", "expected", "k", "h1", "h2", "cusum", "level", "reset")
REFERENCE_YEARS = 3


def _month_index(m: pd.Series) -> pd.PeriodIndex:
    try:
        return pd.PeriodIndex(m.astype(str).str.slice(0, 7), freq="M")
    except (ValueError, TypeError):
        raise UserError("column 'month': expected YYYY-MM") from None


def complete_months(df: pd.DataFrame, value_cols: Iterable[str]) -> pd.DataFrame:
    """Every site has every month from the table's first to its last (zeros)."""
    df = df.copy()
    df["_p"] = _month_index(df["month"])
    months = pd.period_range(df["_p"].min(), df["_p"].max(), freq="M")
    sites = sorted(df["site_code"].astype(str).unique())
    full = pd.MultiIndex.from_product([sites, months], names=["site_code", "_p"])
    cols = list(value_cols)
    g = df.groupby(["site_code", "_p"])[cols].sum(min_count=1)
    out = g.reindex(full).reset_index()
    out["events"] = out["events"].fillna(0).astype("int64")
    out["month"] = out["_p"].astype(str)
    return out


def reference_rates(monthly: pd.DataFrame) -> dict[int, float]:
    """England's rate for each event year Y: events / births over Y-3..Y-1,
    from a table covering every site (the national picture)."""
    y = monthly["_p"].dt.year
    per_year = monthly.assign(_y=y).groupby("_y")[["events", "births"]].sum()
    rates = {}
    for year in sorted(per_year.index):
        window = [year - i for i in range(1, REFERENCE_YEARS + 1)]
        if all(w in per_year.index for w in window):
            e, b = per_year.loc[window, "events"].sum(), per_year.loc[window, "births"].sum()
            if b > 0:
                rates[year] = e / b
    return rates


def expected_counts(monthly: pd.DataFrame, reference_rate: float | None = None) -> pd.Series:
    """mu0 per row: rate x the site's mean monthly births in the previous year."""
    y = monthly["_p"].dt.year
    births = monthly.assign(_y=y).groupby(["site_code", "_y"])["births"].sum() / 12.0
    prev = pd.Series(
        births.reindex(list(zip(monthly["site_code"], y - 1, strict=True))).to_numpy(),
        index=monthly.index,
    )
    if reference_rate is not None:
        rate = pd.Series(float(reference_rate), index=monthly.index)
    elif "reference_rate" in monthly.columns and monthly["reference_rate"].notna().any():
        # a user's rate, national or per site: the value given for the site-year
        per = monthly.assign(_y=y).groupby(["site_code", "_y"])["reference_rate"].max()
        rate = pd.Series(
            per.reindex(list(zip(monthly["site_code"], y, strict=True))).to_numpy(),
            index=monthly.index,
        )
    else:
        rates = reference_rates(monthly)
        rate = y.map(rates).astype(float)
    return rate * prev


def run_chart(
    events: np.ndarray,
    k: np.ndarray,
    d: np.ndarray,
    h1: np.ndarray,
    h2: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cusum, level, reset) for one site's months in order (NaN k: no chart)."""
    n = len(events)
    s_out = np.full(n, np.nan)
    level = np.zeros(n, dtype="int64")
    reset = np.zeros(n, dtype=bool)
    s_prev: float | None = None
    d_prev: int | None = None
    for t in range(n):
        if np.isnan(k[t]):
            continue
        dt_ = int(d[t])
        x = float(events[t])
        if s_prev is None:
            s = max(0.0, x - k[t])
        else:
            if d_prev is not None and dt_ != d_prev:
                s_prev = round(s_prev * dt_) / dt_
            reset[t] = round(s_prev * dt_) >= round(h2[t] * dt_)
            s = max(0.0, x - k[t]) if reset[t] else max(0.0, s_prev + x - k[t])
        steps = round(s * dt_)
        if steps >= round(h2[t] * dt_):
            level[t] = 2
        elif x > 0 and steps >= round(h1[t] * dt_):
            level[t] = 1
        s_out[t], s_prev, d_prev = round(s, 6), s, dt_
    return s_out, level, reset


def moss(table: pd.DataFrame, reference_rate: float | None = None) -> pd.DataFrame:
    """The MOSS chart for every site in a monthly table.

    ``table``: ``site_code, month, events`` and either ``expected`` or ``births``
    (term births; optionally ``reference_rate``). Months without a row count as 0
    events (and 0 births).
    """
    need = {"site_code", "month", "events"}
    missing = need - set(table.columns)
    if missing:
        raise UserError(f"missing column(s) {', '.join(sorted(missing))}")
    has_expected = "expected" in table.columns
    if not has_expected and "births" not in table.columns:
        raise UserError("give either an 'expected' column or 'births' (with a reference rate)")
    values = ["events"] + (
        ["expected"]
        if has_expected
        else ["births"] + (["reference_rate"] if "reference_rate" in table.columns else [])
    )
    t = table.copy()
    for c in values:
        t[c] = pd.to_numeric(t[c], errors="coerce")
        if c in ("events", "births") and (t[c].isna() | (t[c] < 0)).any():
            row = int((t[c].isna() | (t[c] < 0)).to_numpy().argmax()) + 2
            raise UserError(f"row {row}: column '{c}' must be a count >= 0")
    monthly = complete_months(t, values)
    if has_expected:
        # a month without a row takes its site-year's expected count
        year = monthly["_p"].dt.year
        mu = monthly["expected"].fillna(
            monthly.groupby(["site_code", year])["expected"].transform("mean")
        )
    else:
        monthly["births"] = monthly["births"].fillna(0)
        mu = expected_counts(monthly, reference_rate)
    monthly["expected"] = mu
    designs = {e: moss_thresholds(e) for e in sorted(set(mu.dropna())) if round(e, 2) > 0}
    for col in ("k", "d", "h1", "h2"):
        monthly[col] = mu.map(lambda e, c=col: getattr(designs[e], c) if e in designs else np.nan)
    out = []
    for _site, part in monthly.groupby("site_code", sort=True):
        part = part.sort_values("_p").copy()
        s, lv, rs = run_chart(
            part["events"].to_numpy(float),
            part["k"].to_numpy(float),
            part["d"].to_numpy(float),
            part["h1"].to_numpy(float),
            part["h2"].to_numpy(float),
        )
        part["cusum"], part["level"], part["reset"] = s, lv, rs
        part.loc[part["k"].isna(), "level"] = pd.NA
        out.append(part)
    res = pd.concat(out, ignore_index=True)
    res["level"] = res["level"].astype("Int64")
    return res[list(OUTPUT)]


def signal_summary(chart: pd.DataFrame) -> pd.DataFrame:
    """Level-1 and level-2 months per site in the last 6 and 12 months of the table."""
    p = _month_index(chart["month"])
    last = p.max()
    rows = []
    for site, part in chart.assign(_p=p).groupby("site_code", sort=True):
        r = {"site_code": site, "latest_month": str(last)}
        for span in (6, 12):
            recent = part[part["_p"] > last - span]
            for lv in (1, 2):
                r[f"level{lv}_last_{span}_months"] = int((recent["level"] == lv).sum())
        rows.append(r)
    return pd.DataFrame(rows)
