"""Funnel plots: control limits, positions and (optionally) overdispersion.

Without overdispersion the limits are exact, as PHEindicatormethods
(``calculate_funnel_limits``, ``assign_funnel_significance``; Fingertips
technical guidance):

* proportion: at denominator N the lower limit is the proportion whose Wilson
  upper limit equals the target and the upper limit the one whose Wilson lower
  limit equals it (the Wilson interval inverted);
* rate: at denominator N the limits are O/N for the (continuous) counts O whose
  exact Poisson interval just touches target x N;
* ratio (observed/expected, target 1): exact Poisson limits at expected count E,
  chi2(a; 2E)/(2E) and chi2(1-a; 2(E+1))/(2E) (FunnelPlotR's Poisson limits).

Positions without overdispersion use each unit's own interval as PHE does
(Wilson for proportions; exact Poisson below 10 events and Byar's from 10 for
rates and ratios) against the target: 'above' when the interval lies wholly
above the target, 'below' when wholly below, else 'within'. With
overdispersion (``phi`` or ``tau2``, see :mod:`matequity.stats.overdispersion`)
positions compare each unit's value with the adjusted limits at its own
denominator. Differences from the reference packages are listed in
docs/methods.md.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from matequity.errors import UserError
from matequity.stats import overdispersion as od
from matequity.stats.intervals import poisson_count_limits, wilson, z_value
from matequity.stats.rates import LEVELS

FunnelStatistic = Literal["proportion", "rate", "ratio"]


def wilson_inverse(n: float, target: float, confidence: float) -> tuple[float, float]:
    """Proportions whose Wilson upper (lower) limit at denominator n equals target."""
    if n <= 0:
        return np.nan, np.nan

    def up(p: float) -> float:
        return float(wilson(p * n, n, confidence)[1]) - target

    def lo(p: float) -> float:
        return float(wilson(p * n, n, confidence)[0]) - target

    lower = 0.0 if up(0.0) >= 0 else optimize.brentq(up, 0.0, target, xtol=1e-15, rtol=1e-14)
    upper = 1.0 if lo(1.0) <= 0 else optimize.brentq(lo, target, 1.0, xtol=1e-15, rtol=1e-14)
    return lower, upper


def poisson_mean_limits(count, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson limits for a (continuous) count: the means mu whose tail
    probability at ``count`` is (1-c)/2 (Garwood, by the chi-square relation)."""
    c = np.asarray(count, float)
    a = (1 - confidence) / 2
    lower = np.where(c > 0, stats.chi2.ppf(a, 2 * c) / 2, 0.0)
    upper = stats.chi2.ppf(1 - a, 2 * c + 2) / 2
    return lower, upper


def _rate_limits(n: float, target: float, confidence: float) -> tuple[float, float]:
    """Rate limits at denominator n: counts O with exact CI touching target x n."""
    mu = target * n
    if n <= 0:
        return np.nan, np.nan

    def f_up(o: float) -> float:  # upper CI of O equals mu -> lower funnel limit
        return float(poisson_mean_limits(o, confidence)[1]) - mu

    def f_lo(o: float) -> float:  # lower CI of O equals mu -> upper funnel limit
        return float(poisson_mean_limits(o, confidence)[0]) - mu

    o_low = 0.0 if f_up(0.0) >= 0 else optimize.brentq(f_up, 0.0, mu, xtol=1e-12)
    hi = max(mu * 2 + 20, 10.0)
    while f_lo(hi) < 0:
        hi *= 2
    o_high = optimize.brentq(f_lo, mu, hi, xtol=1e-12)
    return o_low / n, o_high / n


def exact_limits(statistic: str, n, target: float, confidence: float):
    n = np.asarray(n, float)
    if statistic == "proportion":
        pairs = [wilson_inverse(x, target, confidence) for x in n]
    elif statistic == "rate":
        pairs = [_rate_limits(x, target, confidence) for x in n]
    elif statistic == "ratio":
        a = (1 - confidence) / 2
        with np.errstate(divide="ignore", invalid="ignore"):
            lo = target * stats.chi2.ppf(a, 2 * n) / (2 * n)
            hi = target * stats.chi2.ppf(1 - a, 2 * (n + 1)) / (2 * n)
        return lo, hi
    else:
        raise UserError(f"unknown statistic '{statistic}': expected proportion, rate or ratio")
    arr = np.array(pairs, float).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def phe_position(statistic: str, o, n, target: float, confidence: float) -> np.ndarray:
    """PHE classification: the unit's own interval against the target."""
    o = np.asarray(o, float)
    n = np.asarray(n, float)
    if statistic == "proportion":
        lo, hi = wilson(o, n, confidence)
    else:
        lo, hi, _m = poisson_count_limits(o, confidence)
        with np.errstate(divide="ignore", invalid="ignore"):
            lo, hi = lo / n, hi / n
    return np.where(lo > target, "above", np.where(hi < target, "below", "within"))


def funnel(
    df: pd.DataFrame,
    statistic: FunnelStatistic,
    multiplier: float = 1.0,
    overdispersion: Literal["none", "phi", "tau2"] = "none",
    target: float | None = None,
) -> tuple[pd.DataFrame, od.Dispersion]:
    """Input rows kept; adds value, target, limits at each unit's own
    denominator, and position_95 / position_99_8. Returns the dispersion too."""
    num, den = ("observed", "expected") if statistic == "ratio" else ("numerator", "denominator")
    for c in (num, den):
        if c not in df.columns:
            raise UserError(f"a {statistic} funnel needs columns {num} and {den}")
    out = df.copy()
    o = pd.to_numeric(out[num], errors="coerce").to_numpy(float)
    n = pd.to_numeric(out[den], errors="coerce").to_numpy(float)
    if np.any(n <= 0) or np.any(np.isnan(n)):
        raise UserError(f"every unit needs {den} above 0")
    if target is None:
        target = 1.0 if statistic == "ratio" else float(np.nansum(o) / np.nansum(n))
    disp, _z = od.estimate(statistic, o, n, target)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = o / n * multiplier
    out["target"] = target * multiplier
    for level, conf in LEVELS.items():
        if overdispersion == "none":
            lo, hi = exact_limits(statistic, n, target, conf)
            pos = phe_position(statistic, o, n, target, conf)
        else:
            lo, hi = od.limits(statistic, n, target, z_value(conf), disp, overdispersion)
            v = o / n
            pos = np.where(v > hi, "above", np.where(v < lo, "below", "within"))
        out[f"lower_{level}"] = lo * multiplier
        out[f"upper_{level}"] = hi * multiplier
        out[f"position_{level}"] = pos
    adjusted = (overdispersion == "phi" and disp.phi > 1) or (
        overdispersion == "tau2" and disp.tau2 > 0
    )
    out["phi"], out["tau2"] = disp.phi, disp.tau2
    out["limits"] = (
        f"overdispersed ({overdispersion})"
        if adjusted
        else "exact (no overdispersion adjustment)"
        if overdispersion == "none"
        else f"exact: {overdispersion} requested but no overdispersion was found"
    )
    return out, disp


def curve(
    statistic: FunnelStatistic,
    n_max: float,
    target: float,
    multiplier: float = 1.0,
    overdispersion: str = "none",
    disp: od.Dispersion | None = None,
    points: int = 200,
) -> pd.DataFrame:
    """Limit curves over a geometric grid of denominators, for plotting."""
    start = 1.1 if statistic == "ratio" else 3.0
    grid = np.unique(np.geomspace(start, max(n_max * 1.05, start * 2), points))
    out = pd.DataFrame({"denominator": grid, "target": target * multiplier})
    for level, conf in LEVELS.items():
        if overdispersion == "none":
            lo, hi = exact_limits(statistic, grid, target, conf)
        else:
            lo, hi = od.limits(statistic, grid, target, z_value(conf), disp, overdispersion)
        out[f"lower_{level}"] = lo * multiplier
        out[f"upper_{level}"] = hi * multiplier
    return out
