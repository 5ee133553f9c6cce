"""Apply a disclosure policy to a count table.

Input: breakdown columns, ``numerator``, ``denominator``, optionally totals rows
(a breakdown value of 'All') and statistics already added (``value``,
``lower_*``, ``upper_*``). Output: the same rows with released counts, released
or withheld statistics, a ``suppressed`` marker and the ``disclosure_policy``.

Totals: under a "round" policy a totals row is rounded like any cell; under a
"recompute" policy it is recomputed from the released cells. Secondary
suppression: where a policy withholds cells but totals are released
independently, a margin with exactly one withheld cell has its smallest other
cell withheld too, so that the total cannot be differenced.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from matequity.counts.compute import ALL
from matequity.disclosure.policy import Policy
from matequity.errors import UserError

STAT_PREFIXES = ("lower_", "upper_")
STAT_COLUMNS = ("value",)


def _stat_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if c in STAT_COLUMNS or c.startswith(STAT_PREFIXES)]


def apply_policy(
    df: pd.DataFrame,
    policy: Policy,
    by: Sequence[str] | None = None,
    statistic: str | None = None,
    multiplier: float | None = None,
) -> pd.DataFrame:
    """The released table. ``by``: the breakdown columns whose 'All' rows are
    totals (default: any column holding 'All'); ``statistic``/``multiplier``
    for tables whose measures are not built in."""
    for c in ("numerator", "denominator"):
        if c not in df.columns:
            raise UserError(f"disclosure control needs a '{c}' column")
    out = df.copy()
    x = pd.to_numeric(out["numerator"], errors="coerce").to_numpy(float)
    n = pd.to_numeric(out["denominator"], errors="coerce").to_numpy(float)
    rx, rn = policy.count(x), policy.count(n)
    by = list(by) if by is not None else [c for c in out.columns if (out[c] == ALL).any()]
    is_total = out[by].eq(ALL).any(axis=1).to_numpy() if by else np.zeros(len(out), bool)
    if policy.totals == "recompute" and by and is_total.any():
        rx, rn = _recompute_totals(out, by, rx, rn, is_total)
    elif by and is_total.any() and policy.releases_counts:
        rx = _secondary(out, by, rx, is_total)
        rn = _secondary(out, by, rn, is_total)
    stats = _stat_columns(out)
    withhold = x < policy.min_numerator_for_rate
    if stats and policy.rates_from_released:
        # statistics recomputed from the released counts (as the policy requires)
        from matequity.stats.frames import measure_settings
        from matequity.stats.rates import add_rates

        stat, mult, _b = measure_settings(out, statistic, multiplier)
        levels = tuple(c.removeprefix("lower_") for c in stats if c.startswith("lower_"))
        fresh = add_rates(
            out.assign(numerator=rx, denominator=rn), stat, mult, levels=levels or ("95",)
        )
        for c in stats:
            out[c] = fresh[c]
        withhold |= np.isnan(rx) | np.isnan(rn)
    for c in stats:
        v = pd.to_numeric(out[c], errors="coerce").to_numpy(float)
        v = np.where(withhold, np.nan, v)
        if policy.rate_decimals is not None:
            v = np.round(v, policy.rate_decimals)
        out[c] = v
    if policy.flag_below:
        out["reliability"] = np.where(withhold, "", np.where(x < policy.flag_below, "u", ""))
    if policy.releases_counts:
        out["numerator"], out["denominator"] = rx, rn
    else:
        out = out.drop(columns=["numerator", "denominator"])
    out["suppressed"] = np.where(
        (np.isnan(rx) | np.isnan(rn)) & policy.releases_counts,
        "counts",
        np.where(withhold, "rate", ""),
    )
    out["disclosure_policy"] = policy.name
    return out


def _margins(df: pd.DataFrame, by: Sequence[str], is_total: np.ndarray):
    """For each totals row: the positions of the cells that sum to it."""
    keys = [
        c
        for c in df.columns
        if c not in (*by, "numerator", "denominator")
        and c not in _stat_columns(df)
        and c not in ("method", "suppressed")
    ]
    for i in np.flatnonzero(is_total):
        row = df.iloc[i]
        mask = np.ones(len(df), bool)
        for k in keys:
            mask &= (df[k] == row[k]).to_numpy()
        free = [b for b in by if row[b] == ALL]
        fixed = [b for b in by if row[b] != ALL]
        for b in fixed:
            mask &= (df[b] == row[b]).to_numpy()
        for b in free:
            mask &= (df[b] != ALL).to_numpy()
        yield i, np.flatnonzero(mask)


def _recompute_totals(df, by, rx, rn, is_total):
    rx, rn = rx.copy(), rn.copy()
    for i, cells in _margins(df, by, is_total):
        rx[i] = np.nansum(rx[cells])
        rn[i] = np.nansum(rn[cells])
    return rx, rn


def _secondary(df, by, released, is_total):
    """Withhold a second cell wherever a margin has exactly one withheld cell."""
    r = released.copy()
    changed = True
    while changed:
        changed = False
        for i, cells in _margins(df, by, is_total):
            if np.isnan(r[i]):
                continue
            hidden = cells[np.isnan(r[cells])]
            if len(hidden) == 1:
                shown = cells[~np.isnan(r[cells])]
                if len(shown) == 0:
                    r[i] = np.nan
                else:
                    r[shown[np.argmin(r[shown])]] = np.nan
                changed = True
    return r
