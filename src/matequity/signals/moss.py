"""The MOSS chart: a zero-start Poisson CUSUM of term stillbirths and term
neonatal deaths per site of birth and month of birth (NHS England, Maternity
Outcomes Signal System SOP, annexes 3 and 4; the published analysis code
nhsengland/Maternity-MOSS, ``MOSS Calculations.r`` and ``Functions.R``).

Expected count per site and calendar year Y: mu0 = reference rate x the site's
mean monthly term births in Y-1. The reference rate is England's events / term
births over Y-3..Y-1 (MOSS v1), a per-site table (MOSS since February 2026; see
:mod:`matequity.signals.reference_rates`), or a user's rate, national or per
site. Thresholds per site-year from
:func:`matequity.signals.thresholds.moss_thresholds`; the path, resets and
levels from :func:`matequity.signals.moss_path.run_chart`, whose
``year_change`` chooses how the statistic crosses a change of year (``carry``,
MOSS's repository; ``regrid``, a later version that snaps it onto the new grid).

Works on a monthly count table; never on records.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from matequity.errors import UserError
from matequity.signals import reference_rates as refs
from matequity.signals.months import month_index
from matequity.signals.moss_path import YEAR_CHANGES, YearChange, run_chart
from matequity.signals.thresholds import moss_thresholds

__all__ = ["complete_months", "expected_counts", "moss", "run_chart", "signal_summary"]

OUTPUT = ("site_code", "month", "events", "expected", "k", "h1", "h2", "cusum", "level", "reset")
REFERENCE_YEARS = refs.REFERENCE_YEARS


def complete_months(df: pd.DataFrame, value_cols: Iterable[str]) -> pd.DataFrame:
    """Every site has every month from the table's first to its last (zeros)."""
    df = df.copy()
    df["_p"] = month_index(df["month"])
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
    """England's rate for each event year (see :func:`reference_rates.england_rates`)."""
    return refs.england_rates(monthly)


def expected_counts(
    monthly: pd.DataFrame,
    reference_rate: float | None = None,
    site_rates: pd.DataFrame | None = None,
    source: str = "reference rates",
) -> pd.Series:
    """mu0 per row: rate x the site's mean monthly births in the previous year.

    The rate is, in order: ``reference_rate`` (one national rate); ``site_rates``
    (``site_code, year, ref_rate`` checked by
    :func:`matequity.signals.reference_rates.site_rates`: every site-year with
    a previous year of births must have one); a ``reference_rate`` column of the
    table; else England's rate over the three previous years."""
    y = monthly["_p"].dt.year
    births = monthly.assign(_y=y).groupby(["site_code", "_y"])["births"].sum() / 12.0
    prev = pd.Series(
        births.reindex(list(zip(monthly["site_code"], y - 1, strict=True))).to_numpy(),
        index=monthly.index,
    )
    if reference_rate is not None:
        rate = pd.Series(float(reference_rate), index=monthly.index)
    elif site_rates is not None:
        rate = pd.Series(np.nan, index=monthly.index)
        needed = prev.notna()
        keys = pd.DataFrame({"site_code": monthly["site_code"], "year": y})[needed]
        rate[needed] = refs.rates_for(site_rates, keys, source)
    elif "reference_rate" in monthly.columns and monthly["reference_rate"].notna().any():
        # a user's rate, national or per site: the value given for the site-year
        per = monthly.assign(_y=y).groupby(["site_code", "_y"])["reference_rate"].max()
        rate = pd.Series(
            per.reindex(list(zip(monthly["site_code"], y, strict=True))).to_numpy(),
            index=monthly.index,
        )
    else:
        rates = refs.england_rates(monthly)
        rate = y.map(rates).astype(float)
    return rate * prev


def moss(
    table: pd.DataFrame,
    reference_rate: float | None = None,
    *,
    site_rates: pd.DataFrame | None = None,
    year_change: YearChange = "carry",
    rates_source: str = "reference rates",
    sites: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The MOSS chart for every site in a monthly table (or only for ``sites``:
    the same rows as the whole chart's for them, since England's reference
    rate and the months are still taken from the whole table; a trust's board
    report needs its own sites' charts, not all 180).

    ``table``: ``site_code, month, events`` and either ``expected`` or ``births``
    (term births; optionally ``reference_rate``). Months without a row count as 0
    events (and 0 births). ``site_rates``: a per-site reference-rate table
    (``site_code, year, ref_rate``; MOSS since February 2026), named
    ``rates_source`` in errors. ``year_change``: ``carry`` (MOSS's repository,
    the default) or ``regrid`` (see :mod:`matequity.signals.moss_path`).
    """
    if year_change not in YEAR_CHANGES:
        raise UserError(f"year change {year_change!r}: expected {' or '.join(YEAR_CHANGES)}")
    if reference_rate is not None and site_rates is not None:
        raise UserError("give one national reference rate or a table of rates by site, not both")
    if reference_rate is not None and not (0.0 < reference_rate < 1.0):
        raise UserError("the reference rate must be strictly between 0 and 1 (events per birth)")
    need = {"site_code", "month", "events"}
    missing = need - set(table.columns)
    if missing:
        raise UserError(f"missing column(s) {', '.join(sorted(missing))}")
    has_expected = "expected" in table.columns
    if not has_expected and "births" not in table.columns:
        raise UserError("give either an 'expected' column or 'births' (with a reference rate)")
    if table.empty:
        raise UserError("the monthly table has a header but no rows")
    if not has_expected:
        over = (
            pd.to_numeric(table["events"], errors="coerce")
            > pd.to_numeric(table["births"], errors="coerce")
        ).to_numpy()
        if over.any():
            row = int(over.nonzero()[0][0]) + 1
            raise UserError(f"row {row}: more events than births (events are among births)")
    if site_rates is not None:
        if has_expected:
            raise UserError(
                "the table gives 'expected' counts: a table of reference rates cannot be used"
            )
        if "reference_rate" in table.columns:
            raise UserError(
                "the table has a 'reference_rate' column and a table of rates by site was given: "
                "use one"
            )
        site_rates = refs.site_rates(site_rates, rates_source)
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
        mu = expected_counts(monthly, reference_rate, site_rates, rates_source)
    monthly["expected"] = mu
    if sites is not None:
        keep = monthly["site_code"].isin(list(sites)).to_numpy()
        monthly, mu = monthly[keep], mu[keep]
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
            year_change,
        )
        part["cusum"], part["level"], part["reset"] = s, lv, rs
        part.loc[part["k"].isna(), "level"] = pd.NA
        out.append(part)
    if not out:  # none of ``sites`` is in the table
        out = [monthly.assign(cusum=0.0, level=0, reset=False)]
    res = pd.concat(out, ignore_index=True)
    res["level"] = res["level"].astype("Int64")
    return res[list(OUTPUT)]


def signal_summary(chart: pd.DataFrame) -> pd.DataFrame:
    """Level-1 and level-2 months per site in the last 6 and 12 months of the table."""
    p = month_index(chart["month"])
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
