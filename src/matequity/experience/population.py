"""The community an LMNS serves: births by ethnic group beside the resident
population (docs/data-model.md, "Community profile").

Population CSV: ``org_code, period, ethnic_group, population``; optional
``population_group`` (``All residents`` or ``Women aged 15-44``; default All
residents) and ``org_name``. Ethnic groups are matequity's (MSDS publication
grouping by default: Chinese in "Any other ethnic group"); ONS publishes
census-based estimates in the ONS grouping (Chinese in Asian), so build the
births with ``--grouping ons`` or regroup the population before comparing.

Births: a count table with ``org_code, period, ethnic_group`` and either a
``births`` column or the ``denominator`` of a measure (``stillbirth``'s
denominator is total births), as ``matequity counts --by ethnic_group --level
lmns`` writes it.

Methods: each group's share of the births with a recorded group, with its Wilson
interval; the population share is the estimate, taken as fixed (ONS publishes no
interval with it); the share ratio (births share / population share, 1 = the
services' births mirror the community) and difference with intervals from the
births share's Wilson limits; births per 1,000 residents (per 1,000 women aged
15-44: the general fertility rate) with exact Poisson (< 10) or Byar's limits
(:func:`matequity.stats.rates.add_rates`). Births whose group is not recorded
are reported with their share of all births and left out of the shares. Each
births period uses the population of the same period, else the latest earlier
one (mid-year estimates lag the births).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from matequity.errors import InputFileError, UserError
from matequity.experience.family_format import ETHNIC_GROUPS
from matequity.experience.table import (
    _first,
    check_allowed,
    check_periods,
    check_unique,
    period_time,
    read_table,
)
from matequity.stats.frames import UNKNOWN_GROUPS
from matequity.stats.intervals import wilson
from matequity.stats.rates import add_rates

POPULATION_GROUPS = ("All residents", "Women aged 15-44")
SOURCE = "ONS population estimates by ethnic group (Census 2021-based)"


def read_population(path: str | Path) -> pd.DataFrame:
    p = str(path)
    df = read_table(
        path, ("org_code", "period", "ethnic_group"), ("population",), what="population table"
    )
    check_allowed(df, p, "ethnic_group", ETHNIC_GROUPS, "ethnic group")
    check_periods(df, p, "period", monthly=False)
    if "population_group" not in df.columns:
        df["population_group"] = "All residents"
    df["population_group"] = df["population_group"].astype(str).str.strip()
    df.loc[df["population_group"] == "", "population_group"] = "All residents"
    check_allowed(df, p, "population_group", POPULATION_GROUPS, "population group")
    check_unique(df, p, ["org_code", "period", "population_group", "ethnic_group"])
    return df


def read_births(path: str | Path, measure: str = "stillbirth") -> pd.DataFrame:
    """Births by organisation, period and ethnic group from a births table or a
    count table (the denominator of ``measure``)."""
    from matequity.tablefiles import read_counts

    p = str(path)
    head = read_counts(path, required=())
    if "births" not in head.columns and "denominator" not in head.columns:
        raise InputFileError(
            p,
            "required column(s) missing: births (or a count table's measure and denominator); "
            "a births table needs org_code, period, ethnic_group, births",
        )
    if "births" in head.columns:
        df = read_table(path, ("org_code", "period", "ethnic_group"), ("births",), what="births")
    else:
        df = read_table(
            path,
            ("org_code", "period", "ethnic_group", "measure"),
            ("denominator",),
            what="births count table (or a 'births' column)",
        )
        df = df[df["measure"] == measure]
        if df.empty:
            raise InputFileError(p, f"no rows for measure '{measure}' (its denominator = births)")
        df = df.rename(columns={"denominator": "births"})
    check_allowed(df, p, "ethnic_group", ETHNIC_GROUPS, "ethnic group")
    bad = df["births"].isna()
    if bad.any():
        raise InputFileError(p, f"row {_first(bad)}, column 'births': expected a number")
    keep = [c for c in ("org_code", "org_name", "period", "ethnic_group", "births") if c in df]
    return df[keep].reset_index(drop=True)


def _population_period(births_period: str, available: list[str]) -> str | None:
    t = period_time(births_period)
    earlier = [a for a in available if period_time(a) <= t]
    if str(births_period) in available:
        return str(births_period)
    return max(earlier, key=period_time) if earlier else None


def births_vs_population(
    births: pd.DataFrame, population: pd.DataFrame, population_group: str | None = None
) -> pd.DataFrame:
    """One row per organisation, births period and ethnic group: births and
    their share (Wilson), the population and its share, the share ratio and
    difference with intervals, and births per 1,000 residents with limits."""
    pops = population
    if population_group is None:
        have = set(pops["population_group"])
        population_group = "Women aged 15-44" if "Women aged 15-44" in have else "All residents"
    pops = pops[pops["population_group"] == population_group]
    if pops.empty:
        raise UserError(f"no population rows for '{population_group}'")
    rows = []
    for (org, period), b in births.groupby(["org_code", "period"], sort=True):
        mine = pops[pops["org_code"] == org]
        pp = _population_period(str(period), sorted(mine["period"].astype(str).unique()))
        if pp is None:
            raise UserError(
                f"no population for '{org}' in or before {period} "
                f"(population periods: {', '.join(sorted(mine['period'].unique())) or 'none'})"
            )
        pop = mine[mine["period"].astype(str) == pp].set_index("ethnic_group")["population"]
        b = b.groupby("ethnic_group", as_index=False)["births"].sum()
        known = ~b["ethnic_group"].isin(UNKNOWN_GROUPS)
        n_known, n_all = b.loc[known, "births"].sum(), b["births"].sum()
        pop_known = pop[~pop.index.isin(UNKNOWN_GROUPS)].sum()
        for _, r in b.iterrows():
            g = r["ethnic_group"]
            rows.append(
                {
                    "org_code": org,
                    "period": str(period),
                    "population_period": pp,
                    "population_group": population_group,
                    "ethnic_group": g,
                    "births": r["births"],
                    "births_known": n_known,
                    "births_all": n_all,
                    "population": float(pop.get(g, np.nan)),
                    "population_known": pop_known,
                    "recorded": g not in UNKNOWN_GROUPS,
                }
            )
    out = pd.DataFrame(rows)
    rec = out["recorded"].to_numpy()
    x, n = out["births"].to_numpy(float), out["births_known"].to_numpy(float)
    lo, hi = wilson(x, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(rec & (n > 0), x / n, np.nan)
        pshare = np.where(rec, out["population"] / out["population_known"], np.nan)
        out["births_share"] = share * 100
        out["births_share_lower_95"] = np.where(rec, lo * 100, np.nan)
        out["births_share_upper_95"] = np.where(rec, hi * 100, np.nan)
        out["population_share"] = pshare * 100
        out["share_ratio"] = share / pshare
        out["share_ratio_lower_95"] = np.where(rec, lo, np.nan) / pshare
        out["share_ratio_upper_95"] = np.where(rec, hi, np.nan) / pshare
        out["share_difference"] = (share - pshare) * 100
        out["share_difference_lower_95"] = (np.where(rec, lo, np.nan) - pshare) * 100
        out["share_difference_upper_95"] = (np.where(rec, hi, np.nan) - pshare) * 100
        out["share_of_all_births"] = x / out["births_all"].to_numpy(float) * 100
    has_pop = out["population"].notna() & (out["population"] > 0)
    rate = add_rates(
        out[has_pop].assign(numerator=out["births"], denominator=out["population"]),
        "rate",
        1000.0,
    )
    for c in ("value", "lower_95", "upper_95", "method"):
        out.loc[has_pop, f"births_per_1000_{c}" if c != "value" else "births_per_1000"] = rate[c]
    out = out.rename(columns={"births_per_1000_method": "rate_method"})
    out["note"] = np.where(
        rec,
        "",
        "ethnic group not recorded: left out of the shares (see share_of_all_births)",
    )
    out["source"] = SOURCE
    order = {g: i for i, g in enumerate(ETHNIC_GROUPS)}
    out = out.sort_values(
        ["org_code", "period", "ethnic_group"],
        key=lambda s: s.map(order) if s.name == "ethnic_group" else s,
    )
    return out.drop(columns=["recorded"]).reset_index(drop=True)
