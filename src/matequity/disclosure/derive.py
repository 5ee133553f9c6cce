"""Derived columns of a released table, recomputed from what the policy allows:
the released counts (every policy that releases counts), or the true counts for
a rates-only policy (``ons-rates``, whose counts are never shown). Rates and
comparisons are withheld where their inputs are, and rounded as the policy says.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from matequity.disclosure.policy import WITHHELD_RATE, Policy
from matequity.disclosure.spec import COMPARISON_COLUMNS, COMPARISON_DECIMALS, TableSpec
from matequity.errors import UserError
from matequity.stats.compare import compare
from matequity.stats.frames import UNKNOWN_GROUPS, measure_settings
from matequity.stats.rates import add_rates


def _round(v: np.ndarray, d: int | None) -> np.ndarray:
    return v if d is None else np.round(v, d)


def rates(
    frame: pd.DataFrame,
    basis: tuple[np.ndarray, np.ndarray],
    spec: TableSpec,
    policy: Policy,
    withheld: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray]:
    """``frame`` with its rate columns from ``basis`` (numerators, denominators),
    and which rows' rates the policy's minimum withheld. ``withheld``: rows whose
    rate is withheld anyway (counts withheld, secondary suppression)."""
    r = spec.rates
    assert r is not None
    x, n = basis
    stat, mult, _b = measure_settings(frame, spec.statistic, spec.multiplier)
    base = pd.DataFrame({"numerator": x, "denominator": n}, index=frame.index)
    got = add_rates(base, stat, mult, levels=r.levels)
    out = frame.copy()
    with np.errstate(invalid="ignore"):
        by_rule = ~(x >= policy.min_numerator_for_rate)
        no_interval = ~(x >= policy.min_numerator_for_interval)
    hide = withheld | by_rule | np.isnan(x) | np.isnan(n)
    out["value"] = _round(
        np.where(hide, np.nan, got["value"].to_numpy(float)), policy.rate_decimals
    )
    for lv in r.levels:
        for c in (f"lower_{lv}", f"upper_{lv}"):
            v = np.where(hide | no_interval, np.nan, got[c].to_numpy(float))
            out[c] = _round(v, policy.rate_decimals)
    out["method"] = np.where(hide | no_interval, None, got["method"].to_numpy(object))
    if policy.flag_below:
        with np.errstate(invalid="ignore"):
            flag = ~hide & (x < policy.flag_below)
        out["reliability"] = np.where(flag, "u", "")
    return out, by_rule & ~withheld & ~np.isnan(x)


def comparison(
    frame: pd.DataFrame,
    keys: list[str],
    counts: tuple[np.ndarray, np.ndarray],
    spec: TableSpec,
    policy: Policy,
) -> pd.DataFrame:
    """``frame`` with its comparison columns from the released ``counts``; withheld
    where the row's or the reference's rate is (``frame['value']``)."""
    c = spec.comparison
    assert c is not None
    if not policy.releases_counts:
        raise UserError(
            f"policy '{policy.name}' releases rates only: ratios and excess events need "
            "counts; publish the comparison under a policy that releases counts"
        )
    x, n = counts
    base = frame[[k for k in keys if k in frame.columns]].copy()
    base["numerator"], base["denominator"] = x, n
    known = base[~base[c.by].astype(str).isin(UNKNOWN_GROUPS)]
    cmp_ = compare(known, c.by, c.reference, c.min_events, spec.statistic, spec.multiplier).drop(
        columns=["numerator", "denominator", "value", "method"], errors="ignore"
    )
    out = frame.drop(columns=[*COMPARISON_COLUMNS, "reference"], errors="ignore")
    out = out.merge(cmp_, on=[k for k in keys if k in base.columns], how="left")
    out.index = frame.index
    value = out["value"] if "value" in out.columns else pd.Series(np.nan, index=out.index)
    ref_shown = _reference_shown(out, keys, c.by, value)
    hide = value.isna().to_numpy() | ~ref_shown
    for col in COMPARISON_COLUMNS:
        if col not in out.columns:
            continue
        d = COMPARISON_DECIMALS.get(col, policy.rate_decimals)
        out[col] = _round(np.where(hide, np.nan, out[col].to_numpy(float)), d)
    order = [*frame.columns, *(k for k in out.columns if k not in frame.columns)]
    return out[[k for k in order if k in out.columns]]


def _reference_shown(out: pd.DataFrame, keys: list[str], by: str, value: pd.Series) -> np.ndarray:
    """For each row: whether its reference group's rate is released."""
    frame_keys = [k for k in keys if k != by and k in out.columns]
    shown = out.assign(_v=value.to_numpy())
    ref_rows = shown[shown[by].astype(str) == shown["reference"].astype(str)]
    ref_rows = ref_rows[[*frame_keys, "_v"]].rename(columns={"_v": "_ref"})
    if frame_keys:
        merged = shown[frame_keys].merge(ref_rows, on=frame_keys, how="left")
    else:
        first = ref_rows["_ref"].iloc[0] if len(ref_rows) else np.nan
        merged = pd.DataFrame({"_ref": np.full(len(shown), first)})
    return merged["_ref"].notna().to_numpy()


def marker(counts_withheld: np.ndarray, secondary: np.ndarray, rate_rule: np.ndarray) -> np.ndarray:
    """The ``suppressed`` value of each row."""
    return np.where(
        secondary,
        "secondary",
        np.where(counts_withheld, "counts", np.where(rate_rule, WITHHELD_RATE, "")),
    )
