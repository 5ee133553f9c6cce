"""Confidence intervals for counts and proportions, vectorised over arrays.

Methods and conventions follow PHEindicatormethods (ukhsa-collaboration,
R/utils.R, version 2.1.0), the reference for Fingertips:

* Wilson score interval without continuity correction (Wilson 1927; Newcombe &
  Altman 2000) for proportions.
* Exact Poisson limits by the chi-square relationship (Garwood 1936) for counts
  below 10; lower limit 0 for a zero count.
* Byar's approximation (Breslow & Day 1987) for counts of 10 or more.

z = Phi^-1(c + (1 - c)/2): 1.959964 for 95%, 3.090232 for 99.8%.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from matequity.stats.distributions import chi2_ppf, norm_ppf

EXACT_BELOW = 10


@lru_cache(maxsize=64)
def z_value(confidence: float) -> float:
    """Two-sided normal quantile; ``confidence`` as 0.95 or 95 (kept per level:
    SciPy's ``norm.ppf`` costs a quarter of a millisecond a call)."""
    c = _c(confidence)
    if not 0.5 <= c < 1:
        raise ValueError(f"confidence must be between 0.5 and 1 (or 50 and 100), got {confidence}")
    return float(norm_ppf(c + (1 - c) / 2))


def _c(confidence: float) -> float:
    return confidence / 100 if confidence > 1 else confidence


def wilson(x, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits for the proportion x/n (NaN where n is 0 or missing)."""
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = 2 * x + z**2
        spread = z * np.sqrt(z**2 + 4 * x * (1 - x / n))
        denom = 2 * (n + z**2)
        lower = (centre - spread) / denom
        upper = (centre + spread) / denom
    bad = ~(n > 0)
    # the exact values at x = 0 and x = n are 0 and 1; clip rounding error (1 - 2e-16)
    lower = np.where(x == 0, 0.0, np.clip(lower, 0.0, 1.0))
    upper = np.where(x == n, 1.0, np.clip(upper, 0.0, 1.0))
    lower = np.where(bad, np.nan, lower)
    upper = np.where(bad, np.nan, upper)
    return lower, upper


def byars(o, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Byar's limits for a Poisson count O (NaN lower where it would be negative)."""
    o = np.asarray(o, dtype=float)
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
        o1 = o + 1
        upper = o1 * (1 - 1 / (9 * o1) + z / (3 * np.sqrt(o1))) ** 3
    lower = np.where(lower < 0, np.nan, lower)
    return lower, upper


def exact_poisson(o, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (chi-square) limits for a Poisson count O; lower limit 0 when O = 0."""
    o = np.asarray(o, dtype=float)
    c = _c(confidence)
    a = (1 - c) / 2
    with np.errstate(invalid="ignore"):
        lower = np.where(o > 0, chi2_ppf(a, 2 * o) / 2, 0.0)
        upper = chi2_ppf(c + a, 2 * o + 2) / 2
    lower = np.where(np.isnan(o), np.nan, lower)
    return lower, upper


def poisson_count_limits(o, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PHE rule: exact below 10 events, Byar's from 10. Returns lower, upper, method."""
    o = np.asarray(o, dtype=float)
    el, eu = exact_poisson(o, confidence)
    bl, bu = byars(o, confidence)
    small = o < EXACT_BELOW
    method = np.where(np.isnan(o), None, np.where(small, "Exact", "Byars"))
    return np.where(small, el, bl), np.where(small, eu, bu), method
