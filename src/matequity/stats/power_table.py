"""Power statements for a count table (see :mod:`matequity.stats.power`)."""

from __future__ import annotations

import math

import pandas as pd

from matequity.errors import UserError
from matequity.stats import power
from matequity.stats.frames import UNKNOWN_GROUPS, frame_columns

HORIZONS = (1, 3, 5)


def power_table(
    df: pd.DataFrame,
    by: str | None = None,
    reference: str | None = None,
    narrowing: float = 0.5,
    time: str = "period",
    years_of_data: float | None = None,
) -> pd.DataFrame:
    """Per comparison (and group): births per year, the baseline rate and the
    detectable relative change (%) over 1, 3 and 5 years; with a reference group,
    the years of data needed to detect the excess narrowing by ``narrowing``."""
    if not 0 < narrowing <= 1:
        raise UserError("--narrowing must be above 0 and at most 1")
    if time in df.columns:
        n_years = df[time].nunique()
        if years_of_data is None and df[time].astype(str).str.fullmatch(r"\d{4}").all():
            years_of_data = float(n_years)
    if years_of_data is None:
        raise UserError("give --years-of-data (no yearly period column to count years from)")
    drop = [time] if time in df.columns else []
    keys = [k for k in frame_columns(df, [*drop, *([by] if by else [])])]
    group_cols = keys + ([by] if by else [])
    agg = df.groupby(group_cols, dropna=False, sort=False)[["numerator", "denominator"]].sum()
    agg = agg.reset_index()
    rows = []
    for _, r in agg.iterrows():
        bpy = r["denominator"] / years_of_data
        rate = r["numerator"] / r["denominator"] if r["denominator"] > 0 else math.nan
        row = {**{k: r[k] for k in group_cols}, "births_per_year": bpy, "baseline_rate": rate}
        for y in HORIZONS:
            up, down = power.detectable_change(bpy, rate, y) if rate > 0 else (math.nan, math.nan)
            row[f"detectable_increase_{y}y_pct"] = 100 * (up - 1)
            row[f"detectable_decrease_{y}y_pct"] = (
                100 * (1 - down) if not math.isnan(down) else math.nan
            )
        rows.append(row)
    out = pd.DataFrame(rows)
    if by and reference is not None:
        years = []
        for _, r in out.iterrows():
            mask = out[by] == reference
            for k in keys:
                mask &= out[k] == r[k]
            ref = out[mask]
            if ref.empty:
                raise UserError(f"reference group '{reference}' is not in column '{by}'")
            ref = ref.iloc[0]
            if r[by] == reference or str(r[by]) in UNKNOWN_GROUPS:
                years.append(None)
                continue
            years.append(
                power.years_to_detect_narrowing(
                    r["births_per_year"],
                    r["baseline_rate"],
                    ref["births_per_year"],
                    ref["baseline_rate"],
                    narrowing,
                )
            )
        out[f"years_to_detect_{int(narrowing * 100)}pct_narrowing"] = years
    out["method"] = (
        "two periods of equal length, Poisson counts, Wald test of the log rate "
        "ratio, 80% power, 5% two-sided"
    )
    return out
