"""Directly standardised rates by the Dobson method.

DSR = sum(O_i w_i / n_i) / sum(w_i) x multiplier; the confidence interval is
Dobson et al. (1991), "Confidence intervals for weighted sums of Poisson
parameters", Stat Med 10:457-462: DSR + sqrt(var/O) (L(O) - O), with L(O) the
Byar's limit of the total count O and var = sum(O_i (w_i/n_i)^2) / (sum w_i)^2.
As PHEindicatormethods ``calculate_dsr``: Byar's (not exact) even for small
totals, and no value or interval when the total count is below 10. Missing
counts in a band count as zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from matequity.errors import UserError
from matequity.stats.frames import iter_frames
from matequity.stats.intervals import byars
from matequity.stats.rates import LEVELS, level_columns
from matequity.stats.standard_populations import STANDARDS, normalise_band

MIN_COUNT = 10


def attach_standard(
    df: pd.DataFrame, standard: str | pd.DataFrame, band: str = "age_band"
) -> pd.Series:
    """The standard population for each row, matched on the (normalised) band label."""
    if isinstance(standard, str):
        if standard not in STANDARDS:
            raise UserError(
                f"unknown standard '{standard}': expected {', '.join(STANDARDS)} or a CSV file"
            )
        table = STANDARDS[standard]
    else:
        if not {band, "standard_population"} <= set(standard.columns):
            raise UserError(f"a standard population needs columns {band}, standard_population")
        table = dict(
            zip(standard[band].map(normalise_band), standard["standard_population"], strict=True)
        )
    keys = df[band].map(normalise_band)
    missing = sorted(set(keys[~keys.isin(table)]))
    if missing:
        raise UserError(
            f"{band} '{missing[0]}' is not in the standard population "
            f"(bands: {', '.join(list(table)[:6])}, ...)"
        )
    return keys.map(table).astype(float)


def dsr(
    df: pd.DataFrame,
    by: Sequence[str],
    standard: str | pd.DataFrame = "esp2013",
    multiplier: float = 100_000,
    levels: Sequence[str] = ("95",),
    band: str = "age_band",
) -> pd.DataFrame:
    """One row per group of ``by``: total_count, total_pop, value, limits, method."""
    if df.empty:
        raise UserError("no rows to standardise")
    t = df.copy()
    t["_w"] = attach_standard(t, standard, band)
    o = pd.to_numeric(t["numerator"], errors="coerce").fillna(0.0)
    n = pd.to_numeric(t["denominator"], errors="coerce")
    if (n <= 0).any() or n.isna().any():
        raise UserError("every band needs a denominator above 0 for a directly standardised rate")
    t["_o"], t["_wn"] = o, t["_w"] / n
    t["_term"] = t["_o"] * t["_wn"]
    t["_var"] = t["_o"] * t["_wn"] ** 2
    rows = []
    for kv, g in iter_frames(t, list(by)):
        sw = g["_w"].sum()
        o_tot = g["_o"].sum()
        value = g["_term"].sum() / sw
        var = g["_var"].sum() / sw**2
        row = dict(kv)
        row.update(total_count=o_tot, total_pop=g["denominator"].sum())
        ok = o_tot >= MIN_COUNT
        row["value"] = value * multiplier if ok else np.nan
        for level in levels:
            lo_b, hi_b = byars(o_tot, LEVELS[level])
            lo_c, hi_c = level_columns(level)
            k = np.sqrt(var / o_tot) if o_tot > 0 else np.nan
            row[lo_c] = (value + k * (float(lo_b) - o_tot)) * multiplier if ok else np.nan
            row[hi_c] = (value + k * (float(hi_b) - o_tot)) * multiplier if ok else np.nan
        row["method"] = "Dobson" if ok else f"not calculated: total count below {MIN_COUNT}"
        rows.append(row)
    return pd.DataFrame(rows)
