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
from scipy import special

from matequity.errors import UserError
from matequity.stats import overdispersion as od
from matequity.stats.distributions import chi2_ppf
from matequity.stats.intervals import poisson_count_limits, wilson, z_value
from matequity.stats.rates import LEVELS

FunnelStatistic = Literal["proportion", "rate", "ratio"]


def _bisect(f, lo: np.ndarray, hi: np.ndarray, iterations: int = 200) -> np.ndarray:
    """Roots of an increasing ``f`` (vectorised: one root per element) in
    ``[lo, hi]``, by bisection to the precision of a double."""
    lo, hi = lo.astype(float).copy(), hi.astype(float).copy()
    for _ in range(iterations):
        mid = (lo + hi) / 2
        done = (mid == lo) | (mid == hi)
        if done.all():
            break
        below = f(mid) < 0
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return (lo + hi) / 2


def wilson_inverse(n, target: float, confidence: float):
    """Proportions whose Wilson upper (lower) limit at denominator n equals target
    (floats for a number, arrays for an array)."""
    scalar = np.ndim(n) == 0
    n = np.atleast_1d(np.asarray(n, float))
    ok = n > 0
    m = np.where(ok, n, 1.0)
    lower = _bisect(
        lambda p: wilson(p * m, m, confidence)[1] - target,
        np.zeros_like(m),
        np.full_like(m, target),
    )
    lower = np.where(wilson(0.0 * m, m, confidence)[1] >= target, 0.0, lower)
    upper = _bisect(
        lambda p: wilson(p * m, m, confidence)[0] - target,
        np.full_like(m, target),
        np.ones_like(m),
    )
    upper = np.where(wilson(m, m, confidence)[0] <= target, 1.0, upper)
    lower, upper = np.where(ok, lower, np.nan), np.where(ok, upper, np.nan)
    return (float(lower[0]), float(upper[0])) if scalar else (lower, upper)


def poisson_mean_limits(count, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson limits for a (continuous) count: the means mu whose tail
    probability at ``count`` is (1-c)/2 (Garwood, by the chi-square relation:
    chi2(a; 2x)/2 = gammaincinv(x, a))."""
    c = np.asarray(count, float)
    a = (1 - confidence) / 2
    with np.errstate(invalid="ignore"):
        lower = np.where(c > 0, special.gammaincinv(np.where(c > 0, c, 1.0), a), 0.0)
    upper = special.gammaincinv(c + 1, 1 - a)
    return lower, upper


def _rate_limits(n, target: float, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Rate limits at denominators n: the (continuous) counts O whose exact
    Poisson interval just touches target x n, divided by n."""
    n = np.atleast_1d(np.asarray(n, float))
    ok = n > 0
    mu = target * np.where(ok, n, 1.0)
    # the upper limit of O equals mu: the lower funnel limit (0 when even O = 0 reaches it)
    upper_at_zero = poisson_mean_limits(np.zeros_like(mu), confidence)[1]
    o_low = _bisect(lambda o: poisson_mean_limits(o, confidence)[1] - mu, np.zeros_like(mu), mu)
    o_low = np.where(upper_at_zero >= mu, 0.0, o_low)
    # the lower limit of O equals mu: the upper funnel limit
    hi = np.maximum(mu * 2 + 20, 10.0)
    while (poisson_mean_limits(hi, confidence)[0] < mu).any():
        hi = np.where(poisson_mean_limits(hi, confidence)[0] < mu, hi * 2, hi)
    o_high = _bisect(lambda o: poisson_mean_limits(o, confidence)[0] - mu, mu.copy(), hi)
    m = np.where(ok, n, np.nan)
    return o_low / m, o_high / m


def exact_limits(statistic: str, n, target: float, confidence: float):
    n = np.asarray(n, float)
    if statistic == "proportion":
        return wilson_inverse(n, target, confidence)
    if statistic == "rate":
        return _rate_limits(n, target, confidence)
    if statistic == "ratio":
        a = (1 - confidence) / 2
        with np.errstate(divide="ignore", invalid="ignore"):
            lo = target * chi2_ppf(a, 2 * n) / (2 * n)
            hi = target * chi2_ppf(1 - a, 2 * (n + 1)) / (2 * n)
        return lo, hi
    raise UserError(f"unknown statistic '{statistic}': expected proportion, rate or ratio")


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
