"""Stabilised & adjusted rates for every trust in the store, ready to publish.

Counts in the engine (:func:`matequity.counts.case_mix.case_mix_counts`: trust x
case-mix cells in one GROUP BY), comparator groups from each trust's highest
neonatal unit level and births a year
(:mod:`matequity.model.comparator_groups`), the model and the rates
(:func:`matequity.stats.stabilised.stabilised_rates`), then disclosure control.

Disclosure (``policy``): the observed count and the denominator are released as the
policy releases counts; every rate, ratio and interval of a trust with fewer events
than the policy's threshold for rates is withheld (the stabilised rate is a model
estimate, but with the crude rate and the comparator rate beside it a small count
could be recovered); released rates are rounded as the policy says. Each row names
the policy in ``disclosure_policy``; ``policy=None`` gives the unrounded analyst-only
table, saying so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matequity.analyses import saved_fits
from matequity.analyses.organisations import table as org_table
from matequity.counts.case_mix import birth_years, case_mix_counts, default_case_mix, measure_named
from matequity.disclosure.policy import ANALYST_ONLY, Policy, get
from matequity.engine.base import Engine
from matequity.errors import UserError
from matequity.measures.definition import Measure
from matequity.model.comparator_groups import assign_comparator_groups
from matequity.stats.bands import MBRRACE_2013_15, BandScheme
from matequity.stats.stabilised import stabilised_rates

RATE_COLUMNS = ("crude_rate", "comparator_rate", "stabilised_rate", "lower_95", "upper_95")
RATIO_COLUMNS = ("expected", "smr", "smr_lower_95", "smr_upper_95")


@dataclass(frozen=True)
class StoreStabilisedRates:
    units: pd.DataFrame  # one row per trust, released under ``policy``
    model: pd.DataFrame  # fixed effects, organisation SD, fit summary
    measure: str
    period: str  # '2022:2024'
    years: tuple[int, ...]  # years of birth present in the period
    case_mix: tuple[str, ...]
    policy: str


def parse_period(period: str | tuple[int, int] | None) -> tuple[int, int] | None:
    """'2024', '2022:2024', (2022, 2024) or None (every year)."""
    if period is None or isinstance(period, tuple):
        return period
    try:
        parts = [int(p) for p in str(period).split(":")]
    except ValueError:
        raise UserError(f"period {period!r}: expected YYYY or YYYY:YYYY") from None
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2 or parts[0] > parts[1]:
        raise UserError(f"period {period!r}: expected YYYY or YYYY:YYYY")
    return parts[0], parts[1]


def stabilised_rates_for_store(
    engine: Engine,
    measure: str,
    period: str | tuple[int, int] | None = None,
    policy: Policy | str | None = "nhs",
    case_mix: Sequence[str] | None = None,
    method: str = "laplace",
    nagq: int = 9,
    bands: BandScheme = MBRRACE_2013_15,
    level: str = "trust",
) -> StoreStabilisedRates:
    """Stabilised & adjusted rates of ``measure`` for births in ``period`` (all years
    when None) for every trust (or site, ``level='site'``), by MBRRACE-UK comparator
    group, released under ``policy`` ('nhs' by default; None: analyst-only).
    ``case_mix``: default MBRRACE-UK's for the measure; ``()`` for stabilised rates
    without adjustment. The fit is made once per store content and saved beside
    the store (:mod:`matequity.analyses.saved_fits`)."""
    m = measure_named(measure)
    years = parse_period(period)
    mix = tuple(case_mix) if case_mix is not None else default_case_mix(m)
    params = {
        "measure": m.name,
        "years": list(years) if years else None,
        "case_mix": list(mix),
        "method": method,
        "nagq": nagq,
        "bands": repr(bands),
        "level": level,
    }
    saved = saved_fits.read(engine, "stabilised", params)
    if saved is None:
        units, model, present = _fit(engine, m, period, mix, method, nagq, bands, level)
        saved_fits.save(
            engine, "stabilised", params, {"years": present}, {"units": units, "model": model}
        )
    else:
        values, frames = saved
        units, model, present = frames["units"], frames["model"], values["years"]
    units = _release(units, policy, float(m.multiplier))
    first = ["period", "org_level", "org_code", "org_name", "measure", "comparator_group"]
    rest = [c for c in units.columns if c not in first]
    pol = policy if isinstance(policy, str) or policy is None else policy.name
    return StoreStabilisedRates(
        units=units[first + rest],
        model=model,
        measure=m.name,
        period=f"{present[0]}:{present[-1]}",
        years=tuple(present),
        case_mix=mix,
        policy=pol or ANALYST_ONLY,
    )


def _fit(
    engine: Engine,
    m: Measure,
    period: str | tuple[int, int] | None,
    mix: tuple[str, ...],
    method: str,
    nagq: int,
    bands: BandScheme,
    level: str,
) -> tuple[pd.DataFrame, pd.DataFrame, list[int]]:
    """Every unit's figures before disclosure control, the model's table and the
    years of birth present (``period`` as :func:`stabilised_rates_for_store` has it)."""
    years = parse_period(period)
    present = birth_years(engine, years)
    if not present:
        raise UserError(f"no births in the store for period {period}")
    cells = case_mix_counts(engine, m, mix, years, level=level)
    if cells.empty:
        raise UserError(f"no {m.name} denominators in the store for period {period}")
    orgs = org_table(engine)
    level_unit = "trust_code" if level == "trust" else "site_code"
    groups = assign_comparator_groups(
        cells, orgs, "org_code", years=len(present), births_column="births", level_unit=level_unit
    )
    cells = cells.merge(groups[["org_code", "comparator_group"]], on="org_code")
    res = stabilised_rates(
        cells,
        "org_code",
        "comparator_group",
        list(mix),
        float(m.multiplier),
        method=method,
        nagq=nagq,
        bands=bands,
    )
    names = cells.drop_duplicates("org_code").set_index("org_code")["org_name"]
    units = res.units.merge(groups, on=["org_code", "comparator_group"], how="left")
    units.insert(0, "org_name", units["org_code"].map(names))
    units.insert(0, "measure", m.name)
    units.insert(0, "org_level", level)
    units.insert(0, "period", f"{present[0]}:{present[-1]}")
    return units, res.model, present


def _release(units: pd.DataFrame, policy: Policy | str | None, multiplier: float) -> pd.DataFrame:
    out = units.copy()
    if policy is None:
        out["disclosure_policy"] = ANALYST_ONLY
        return out
    p = get(policy) if isinstance(policy, str) else policy
    x = out["observed"].to_numpy(float)
    n = out["denominator"].to_numpy(float)
    rx, rn = p.count(x), p.count(n)
    withhold = (x < p.min_numerator_for_rate) | np.isnan(rx) | np.isnan(rn)
    if not p.releases_counts:
        withhold = x < p.min_numerator_for_rate
    for c in (*RATE_COLUMNS, *RATIO_COLUMNS):
        v = np.where(withhold, np.nan, out[c].to_numpy(float))
        if c in RATE_COLUMNS and p.rate_decimals is not None:
            v = np.round(v, p.rate_decimals)
        elif c in RATIO_COLUMNS:
            v = np.round(v, 3)
        out[c] = v
    if p.rates_from_released:
        with np.errstate(invalid="ignore", divide="ignore"):
            crude = rx / rn * multiplier
        if p.rate_decimals is not None:
            crude = np.round(crude, p.rate_decimals)
        out["crude_rate"] = np.where(withhold, np.nan, crude)
    # births a year decide the comparator group; released to the nearest 100 so that
    # they do not give the denominator back exactly
    out["births_per_year"] = np.round(out["births_per_year"].to_numpy(float), -2)
    out["band"] = np.where(withhold, "", out["band"])
    out["observed"] = pd.array(np.where(np.isnan(rx), np.nan, rx), dtype="Float64").astype("Int64")
    out["denominator"] = pd.array(np.where(np.isnan(rn), np.nan, rn), dtype="Float64").astype(
        "Int64"
    )
    if p.flag_below:
        out["reliability"] = np.where(withhold, "", np.where(x < p.flag_below, "u", ""))
    out["disclosure_policy"] = p.name
    return out


@dataclass(frozen=True, kw_only=True)
class Stabilised:
    """Stabilised & adjusted rates of one measure for every trust, released, and
    the funnel of their case-mix-adjusted ratios (observed / expected)."""

    measure: str
    period: str
    case_mix: tuple[str, ...]
    #: one row per trust: comparator group, observed, expected, SMR, stabilised
    #: rate with its interval, band (released)
    units: pd.DataFrame
    #: funnel points: observed / expected with positions against the limits (released)
    funnel: pd.DataFrame
    #: the limits to draw (expected deaths on the x axis; target 1)
    limits: pd.DataFrame
    model: pd.DataFrame
    policy: str


def stabilised(
    engine: Engine, measure: str, years: tuple[int, int] | None, policy: Policy
) -> Stabilised:
    """:func:`stabilised_rates_for_store` and the funnel of every trust's
    observed / expected deaths (PHE exact limits for an indirectly standardised
    ratio; Spiegelhalter 2005): positions on the exact figures, points drawn at the
    released count over the expected and withheld below the policy's minimum of
    events, like the rates."""
    from matequity.stats.funnel import curve, funnel

    exact = stabilised_rates_for_store(engine, measure, years, policy=None)
    m = measure_named(measure)
    units = _release(exact.units, policy, float(m.multiplier))
    u = exact.units[exact.units["expected"] > 0]
    pts, _disp = funnel(
        u[["org_code", "org_name", "comparator_group", "observed", "expected"]], "ratio"
    )
    lim = curve("ratio", float(u["expected"].max()), 1.0)
    withhold = u["observed"].to_numpy(float) < policy.min_numerator_for_rate
    rel = pd.DataFrame(
        {
            "org_code": pts["org_code"],
            "org_name": pts["org_name"],
            "comparator_group": pts["comparator_group"],
            "observed": policy.count(pts["observed"].to_numpy(float)),
            "denominator": np.round(pts["expected"].to_numpy(float), 1),
            "value": np.where(withhold, np.nan, np.round(pts["value"].to_numpy(float), 3)),
            "position_95": np.where(withhold, None, pts["position_95"]),
            "position_99_8": np.where(withhold, None, pts["position_99_8"]),
        }
    )
    rel["disclosure_policy"] = policy.name
    return Stabilised(
        measure=m.name,
        period=exact.period,
        case_mix=exact.case_mix,
        units=units,
        funnel=rel.reset_index(drop=True),
        limits=lim,
        model=exact.model,
        policy=policy.name,
    )


@dataclass(frozen=True, kw_only=True)
class StabilisedSet:
    """Stabilised rates of several measures; ``unfitted``: measure -> why no
    model could be fitted (too few events in the store for the case mix)."""

    results: dict[str, Stabilised]
    unfitted: dict[str, str]


def stabilised_set(
    engine: Engine, measures: Sequence[str], years: tuple[int, int] | None, policy: Policy
) -> StabilisedSet:
    results, unfitted = {}, {}
    for m in measures:
        try:
            results[m] = stabilised(engine, m, years, policy)
        except UserError as exc:
            unfitted[m] = str(exc)
    return StabilisedSet(results=results, unfitted=unfitted)
