"""Add values and confidence limits to a count table.

``proportion``: value = numerator/denominator x multiplier, Wilson limits.
``rate``: value = numerator/denominator x multiplier, exact Poisson limits
below 10 events and Byar's from 10, divided by the denominator.
``ratio``: observed/expected with the same Poisson limits on observed.

As PHEindicatormethods (``phe_proportion``, ``phe_rate``, ``calculate_ISRatio``):
rows with a missing numerator or denominator are kept with missing results;
a numerator larger than the denominator is allowed for rates but not for
proportions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from matequity.errors import UserError
from matequity.stats.intervals import poisson_count_limits, wilson

Statistic = Literal["proportion", "rate", "ratio"]
LEVELS: dict[str, float] = {"95": 0.95, "99_8": 0.998}


def level_columns(level: str) -> tuple[str, str]:
    return f"lower_{level}", f"upper_{level}"


def add_rates(
    df: pd.DataFrame,
    statistic: Statistic | pd.Series,
    multiplier: float | pd.Series = 1.0,
    levels: Sequence[str] = ("95",),
    numerator: str = "numerator",
    denominator: str = "denominator",
) -> pd.DataFrame:
    """Return ``df`` with ``value``, ``lower_*``/``upper_*`` per level and ``method``.

    ``statistic`` and ``multiplier`` may be per-row Series (a count table mixes
    measures); ``levels`` are keys of :data:`LEVELS`.
    """
    out = df.copy()
    n = len(out)
    x = pd.to_numeric(out[numerator], errors="coerce").to_numpy(dtype=float)
    d = pd.to_numeric(out[denominator], errors="coerce").to_numpy(dtype=float)
    stat = np.asarray(
        statistic if isinstance(statistic, pd.Series) else [statistic] * n, dtype=object
    )
    mult = np.asarray(
        multiplier if isinstance(multiplier, pd.Series) else [multiplier] * n, dtype=float
    )
    for s in set(stat):
        if s not in ("proportion", "rate", "ratio"):
            raise UserError(f"unknown statistic '{s}': expected proportion, rate or ratio")
    is_prop = stat == "proportion"
    neg = (x < 0) | (d < 0)
    if np.any(neg):
        row = int(np.flatnonzero(neg)[0]) + 1
        raise UserError(f"row {row}: negative {numerator} or {denominator}")
    over = is_prop & (x > d)
    if np.any(over):
        row = int(np.flatnonzero(over)[0]) + 1
        raise UserError(
            f"row {row}: {numerator} is larger than {denominator}; a proportion needs "
            f"{numerator} <= {denominator}"
        )
    ok = ~np.isnan(x) & ~np.isnan(d) & (d > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(ok, x / d * mult, np.nan)
    out["value"] = value
    method = np.where(is_prop, "Wilson", None).astype(object)
    for level in levels:
        conf = LEVELS[level]
        wl, wu = wilson(x, d, conf)
        pl, pu, pm = poisson_count_limits(x, conf)
        with np.errstate(divide="ignore", invalid="ignore"):
            lower = np.where(is_prop, wl, pl / d) * mult
            upper = np.where(is_prop, wu, pu / d) * mult
        lower = np.where(ok, lower, np.nan)
        upper = np.where(ok, upper, np.nan)
        lo, hi = level_columns(level)
        out[lo] = lower
        out[hi] = upper
        method = np.where(is_prop, "Wilson", pm)
    out["method"] = np.where(ok, method, None)
    return out
