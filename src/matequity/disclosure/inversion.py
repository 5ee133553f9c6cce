"""Direct attacks by enumeration: which (numerator, denominator) pairs reproduce
a released rate and its interval, or a released comparison, given what the
rounding rule leaves possible.

Every released figure shown to ``d`` decimals is taken to hold the true value
within half a unit of its last decimal (a closed interval, so that either
rounding of a tie is allowed): the attacker never rules out the truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from matequity.stats.compare import pair_statistics
from matequity.stats.rates import add_rates

#: at most this many candidate pairs are enumerated for one cell
MAX_PAIRS = 60_000
#: a figure with more decimals than this is taken as unrounded
FULL_PRECISION = 7


def decimals(values: np.ndarray | pd.Series) -> int:
    """The fewest decimals that show every value (FULL_PRECISION if none does).
    Fewer decimals than were used only widens what the attacker allows."""
    v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(float)
    v = v[np.isfinite(v)]
    for d in range(FULL_PRECISION):
        scaled = v * 10.0**d
        if np.allclose(scaled, np.round(scaled), rtol=1e-10, atol=1e-6):
            return d
    return FULL_PRECISION


def tolerance(value: np.ndarray | float, d: int) -> np.ndarray:
    """Half a unit in the last decimal, plus floating-point slack."""
    value = np.abs(np.asarray(value, dtype=float))
    if d >= FULL_PRECISION:
        return 1e-7 * np.maximum(1.0, value)
    return 0.5 * 10.0**-d + 1e-9 * np.maximum(1.0, value)


def rate_statistics(
    xs: np.ndarray,
    ns: np.ndarray,
    statistic: str | pd.Series,
    multiplier: float | pd.Series,
    levels: tuple[str, ...],
) -> pd.DataFrame:
    """Value and limits of every pair, as released tables compute them
    (``statistic`` and ``multiplier`` one for all pairs, or one per pair)."""
    df = pd.DataFrame({"numerator": xs, "denominator": ns})
    return add_rates(df, statistic, multiplier, levels=levels)


def matching(stats: pd.DataFrame, shown: dict[str, tuple[float | np.ndarray, int]]) -> np.ndarray:
    """Rows of ``stats`` that reproduce every shown figure (column -> (value, d));
    a value may be one per row, a missing one showing nothing for that row."""
    ok = np.ones(len(stats), dtype=bool)
    for col, (v, d) in shown.items():
        got = stats[col].to_numpy(float)
        with np.errstate(invalid="ignore"):
            ok &= ~np.isfinite(v) | (np.abs(got - v) <= tolerance(v, d))
    return ok


def rate_pairs(
    x_range: tuple[float, float],
    n_range: tuple[float, float],
    statistic: str,
    multiplier: float,
    shown: dict[str, tuple[float, int]],
    numerator_le_denominator: bool,
) -> np.ndarray | None:
    """The (x, n) pairs within the ranges that reproduce ``shown`` (value and
    limits); None when there are too many to enumerate."""
    xlo, xhi = x_range
    nlo, nhi = n_range
    if not np.isfinite(xhi) or xhi - xlo > 5_000:
        return None
    xs = np.arange(xlo, xhi + 1)
    if np.isfinite(nhi) and len(xs) * (nhi - nlo + 1) <= MAX_PAIRS:
        gx, gn = np.meshgrid(xs, np.arange(nlo, nhi + 1), indexing="ij")
        gx, gn = gx.ravel(), gn.ravel()
    elif "value" in shown:
        # each numerator's denominators from the value alone: x m / n within v +- h
        v, d = shown["value"]
        h = float(tolerance(v, d))
        if v - h <= 0:
            return None
        lo_n = np.maximum(nlo, np.ceil(xs * multiplier / (v + h)))
        hi_n = np.minimum(nhi, np.floor(xs * multiplier / (v - h)))
        size = np.clip(hi_n - lo_n + 1, 0, None)
        if size.sum() > MAX_PAIRS:
            return None
        gx = np.repeat(xs, size.astype(int))
        gn = np.concatenate([np.arange(a, b + 1) for a, b in zip(lo_n, hi_n, strict=True)])
    else:
        return None
    keep = gn > 0
    if numerator_le_denominator or statistic == "proportion":
        keep &= gx <= gn
    gx, gn = gx[keep], gn[keep]
    if len(gx) == 0:
        return np.empty((0, 2))
    levels = tuple(
        sorted({c.split("_", 1)[1] for c in shown if c.startswith(("lower_", "upper_"))})
    )
    stats = rate_statistics(gx, gn, statistic, multiplier, levels or ("95",))
    ok = matching(stats, shown)
    return np.column_stack([gx[ok], gn[ok]])


def comparison_pairs(
    own: np.ndarray,
    ref: np.ndarray,
    statistic: str,
    multiplier: float,
    shown: dict[str, tuple[float, int]],
) -> tuple[np.ndarray, np.ndarray] | None:
    """The own and reference pairs that, together, reproduce the shown comparison
    (ratio and limits, difference, expected and excess events); None when the
    combinations are too many."""
    if len(own) * len(ref) > 4 * MAX_PAIRS or not len(own) or not len(ref):
        return None
    i, j = np.meshgrid(np.arange(len(own)), np.arange(len(ref)), indexing="ij")
    i, j = i.ravel(), j.ravel()
    a, n1 = own[i, 0], own[i, 1]
    c, n0 = ref[j, 0], ref[j, 1]
    stats = pair_statistics(
        a, n1, c, n0, np.full(len(a), statistic == "proportion"), np.full(len(a), multiplier)
    )
    ok = np.ones(len(a), dtype=bool)
    for col, (v, d) in shown.items():
        got = stats[col]
        ok &= np.isfinite(got) & (np.abs(got - v) <= tolerance(v, d))
    return own[np.unique(i[ok])], ref[np.unique(j[ok])]
