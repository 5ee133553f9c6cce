"""Indirect standardisation: observed / expected, and the standardised rate.

Expected E = sum over strata of (reference rate in the stratum) x (local
denominator in the stratum). Ratio = O/E x refvalue, with exact Poisson limits
on O below 10 and Byar's from 10, divided by E; the indirectly standardised rate
= O/E x the reference rate (PHEindicatormethods ``calculate_ISRatio`` and
``calculate_ISRate``). Missing reference counts or local denominators count as 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from matequity.errors import UserError
from matequity.stats.intervals import poisson_count_limits
from matequity.stats.rates import LEVELS, level_columns


def reference_rates(df: pd.DataFrame, stratum: str) -> pd.DataFrame:
    """Reference rates by stratum from all rows pooled (e.g. England)."""
    ref = df.groupby(stratum, dropna=False)[["numerator", "denominator"]].sum().reset_index()
    return ref.rename(columns={"numerator": "ref_numerator", "denominator": "ref_denominator"})


def isr(
    df: pd.DataFrame,
    by: Sequence[str],
    stratum: str,
    reference: pd.DataFrame | None = None,
    refvalue: float = 1.0,
    rate_multiplier: float | None = None,
    levels: Sequence[str] = ("95",),
) -> pd.DataFrame:
    """Observed, expected, ratio (x refvalue) and, with ``rate_multiplier``, the
    indirectly standardised rate, with limits at ``levels``."""
    ref = reference if reference is not None else reference_rates(df, stratum)
    need = {stratum, "ref_numerator", "ref_denominator"}
    if not need <= set(ref.columns):
        raise UserError(f"reference rates need columns {', '.join(sorted(need))}")
    t = df.merge(ref[list(need)], on=stratum, how="left")
    rn = pd.to_numeric(t["ref_numerator"], errors="coerce").fillna(0.0)
    rd = pd.to_numeric(t["ref_denominator"], errors="coerce")
    with np.errstate(divide="ignore", invalid="ignore"):
        t["_exp"] = np.where(rd > 0, rn / rd, 0.0) * pd.to_numeric(
            t["denominator"], errors="coerce"
        ).fillna(0.0)
    t["_obs"] = pd.to_numeric(t["numerator"], errors="coerce").fillna(0.0)
    ref_rate = rn.groupby(t[stratum]).first().sum() / rd.groupby(t[stratum]).first().sum()
    keys = list(by)
    g = (
        t.groupby(keys, sort=False, dropna=False)[["_obs", "_exp"]].sum().reset_index()
        if keys
        else pd.DataFrame({"_obs": [t["_obs"].sum()], "_exp": [t["_exp"].sum()]})
    )
    out = g[keys].copy() if keys else pd.DataFrame(index=g.index)
    out["observed"], out["expected"] = g["_obs"], g["_exp"]
    o, e = g["_obs"].to_numpy(float), g["_exp"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ratio"] = o / e * refvalue
        for level in levels:
            lo, hi, method = poisson_count_limits(o, LEVELS[level])
            lc, hc = level_columns(level)
            out[f"ratio_{lc}"] = lo / e * refvalue
            out[f"ratio_{hc}"] = hi / e * refvalue
            if rate_multiplier is not None:
                rr = ref_rate * rate_multiplier
                out[f"rate_{lc}"] = lo / e * rr
                out[f"rate_{hc}"] = hi / e * rr
    if rate_multiplier is not None:
        out["ref_rate"] = ref_rate * rate_multiplier
        out["rate"] = o / e * ref_rate * rate_multiplier
    out["method"] = method
    return out
