"""What change could be detected at all: power for counts of rare events.

Design (stated because it matters): two periods of equal length, the same births
per year; counts are Poisson; the test is the Wald test of the log rate ratio at
two-sided level alpha. The smallest detectable relative change with power 1 -
beta solves |ln RR| = (z_{1-alpha/2} + z_{1-beta}) sqrt(1/E0 + 1/(E0 RR)) with E0
= baseline rate x births per year x years (the expected events in one period).

For a gap between two groups, the test compares the rate ratio between them in a
first and a second period (Wald test of the log ratio of rate ratios); the
years needed are the smallest period length whose power reaches 1 - beta when
the excess (RR - 1) narrows by the given fraction, the reference group's rate
unchanged. Both closed forms are checked by simulation in the tests: with 15 or
more expected events per period the normal approximation gives the stated
power; with fewer it is conservative (the real power is somewhat higher).
"""

from __future__ import annotations

import math

from matequity.stats.distributions import norm_cdf, norm_ppf


def _z(alpha: float, power: float) -> float:
    return float(norm_ppf(1 - alpha / 2) + norm_ppf(power))


def detectable_change(
    births_per_year: float, rate: float, years: float, alpha: float = 0.05, power: float = 0.8
) -> tuple[float, float]:
    """(smallest detectable increase, smallest detectable decrease) as rate
    ratios (e.g. 1.45 and 0.62) comparing two periods of ``years`` each. A
    decrease that no rate ratio above 0 could show is NaN (too few events)."""
    from scipy import optimize  # only here: slow to import

    e0 = rate * births_per_year * years
    if e0 <= 0:
        return math.nan, math.nan
    k = _z(alpha, power)

    def f(rr: float) -> float:
        return abs(math.log(rr)) - k * math.sqrt(1 / e0 + 1 / (e0 * rr))

    up = optimize.brentq(f, 1 + 1e-9, 1e6)
    # below 1, f rises from -inf and falls back to f(1) < 0: a root exists only if
    # its maximum is positive
    peak = optimize.minimize_scalar(lambda r: -f(r), bounds=(1e-12, 1.0), method="bounded")
    down = optimize.brentq(f, peak.x, 1 - 1e-12) if f(peak.x) > 0 else math.nan
    return up, down


def power_of_change(
    births_per_year: float, rate: float, years: float, rr: float, alpha: float = 0.05
) -> float:
    e0 = rate * births_per_year * years
    se = math.sqrt(1 / e0 + 1 / (e0 * rr))
    return float(norm_cdf(abs(math.log(rr)) / se - norm_ppf(1 - alpha / 2)))


def gap_power(
    b1: float, r1: float, b0: float, r0: float, narrowing: float, years: float, alpha: float = 0.05
) -> float:
    """Power to detect the excess of group 1 over group 0 narrowing by a fraction."""
    rr0 = r1 / r0
    rr1 = 1 + (rr0 - 1) * (1 - narrowing)
    o1a, o0a = r1 * b1 * years, r0 * b0 * years
    o1b, o0b = r0 * rr1 * b1 * years, r0 * b0 * years
    se = math.sqrt(1 / o1a + 1 / o0a + 1 / o1b + 1 / o0b)
    return float(norm_cdf(abs(math.log(rr1 / rr0)) / se - norm_ppf(1 - alpha / 2)))


def years_to_detect_narrowing(
    b1: float,
    r1: float,
    b0: float,
    r0: float,
    narrowing: float,
    alpha: float = 0.05,
    power: float = 0.8,
    max_years: int = 50,
) -> int | None:
    """Smallest whole number of years per period; None if more than ``max_years``."""
    if r1 <= 0 or r0 <= 0 or r1 == r0:
        return None
    for y in range(1, max_years + 1):
        if gap_power(b1, r1, b0, r0, narrowing, y, alpha) >= power:
            return y
    return None
