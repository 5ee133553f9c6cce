"""Decision intervals for a Poisson CUSUM, as CUSUMdesign's ``getH`` and as MOSS
calls it.

``get_h`` (CUSUMdesign::getH, distr = 3 Poisson, type = "Z" zero start): k is
rationalised onto its grid (:func:`matequity.signals.grid.rationalise`) and the
decision interval is the smallest grid value h = H/d whose zero-start in-control
ARL (:func:`matequity.signals.arl.arl`) reaches the target; a value within 0.1%
of the target is accepted (getH's stopping rule).

``moss_thresholds`` follows NHS England's published MOSS code
(nhsengland/Maternity-MOSS, ``MOSS Calculations.r``): the in-control mean is
rounded to 2 dp, mu1 = 2 mu0, k0 = (mu1 - mu0) / ln(mu1/mu0) rounded to 0.01,
then getH for ARL 20 (level 1, amber) and 100 (level 2, red); when a call fails
the reference value is rounded to 0.1, then 0.2, then 0.5 and the call retried.
The chart uses the level-1 call's rationalised k (exact); h1 and h2 are rounded
to 6 dp.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from matequity.errors import UserError
from matequity.signals.arl import arl
from matequity.signals.grid import Grid, rationalise

LEVEL1_ARL = 20.0
LEVEL2_ARL = 100.0
RATE_MULTIPLE = 2.0
#: the reference-value roundings MOSS tries in turn
K_ROUNDINGS: tuple[float, ...] = (0.01, 0.1, 0.2, 0.5)
#: getH gives up beyond this many grid steps (a very large h is a design error)
MAX_STEPS = 2000
STOP_RELATIVE = 0.001


class ThresholdError(ValueError):
    """No decision interval could be found (the retry cascade moves on)."""


@dataclass(frozen=True)
class Design:
    mu0: float
    k: float
    d: int
    h: float
    arl0: float


@lru_cache(maxsize=4096)
def get_h(mu0: float, k: float, target_arl: float) -> Design:
    """Smallest grid h with zero-start in-control ARL >= ``target_arl``."""
    if not (mu0 > 0 and math.isfinite(mu0)):
        raise ThresholdError(f"in-control mean must be positive, got {mu0}")
    grid: Grid = rationalise(k)
    if grid.k_steps == 0 and mu0 <= 0:
        raise ThresholdError("k = 0 with no events expected")
    for h_steps in range(1, MAX_STEPS + 1):
        a = arl(mu0, grid.k_steps, h_steps, grid.d)
        if a >= target_arl or abs(a / target_arl - 1) < STOP_RELATIVE:
            return Design(mu0, grid.k, grid.d, h_steps / grid.d, a)
    raise ThresholdError(f"no decision interval within {MAX_STEPS} grid steps")


def reference_value(mu0: float, multiple: float = RATE_MULTIPLE) -> float:
    """k = (mu1 - mu0) / ln(mu1/mu0) for mu1 = multiple x mu0 (the Poisson
    likelihood-ratio reference value)."""
    mu1 = multiple * mu0
    return (mu1 - mu0) / (math.log(mu1) - math.log(mu0))


@dataclass(frozen=True)
class MossThresholds:
    mu0: float
    k: float
    d: int
    h1: float
    h2: float
    arl1: float
    arl2: float
    #: the rounding of k0 that succeeded (0.01 unless the cascade was needed)
    k_rounding: float


def _round_to(x: float, step: float) -> float:
    """As MOSS's R code: ``round(x / step, 0) * step`` (both round halves to even;
    the product is left as the floating-point value R has, e.g. 72 * 0.01)."""
    return round(x / step) * step


def _cascade(mu0: float, k0: float, target: float) -> tuple[Design, float]:
    last: Exception | None = None
    for step in K_ROUNDINGS:
        try:
            return get_h(mu0, _round_to(k0, step), target), step
        except ThresholdError as e:
            last = e
    raise UserError(f"no MOSS threshold for expected count {mu0}: {last}")


@lru_cache(maxsize=8192)
def moss_thresholds(expected: float, multiple: float = RATE_MULTIPLE) -> MossThresholds:
    """MOSS's k, h1 and h2 for a site-year whose expected monthly count is
    ``expected`` (before MOSS's rounding to 2 dp). ``multiple`` is the rate ratio
    to detect (MOSS: 2, a doubling; matequity's equity signals may use another)."""
    mu0 = round(expected, 2)
    if mu0 <= 0:
        raise UserError(f"expected count {expected} rounds to 0: MOSS cannot set thresholds for it")
    k0 = reference_value(mu0, multiple)
    d1, s1 = _cascade(mu0, k0, LEVEL1_ARL)
    d2, _s2 = _cascade(mu0, k0, LEVEL2_ARL)
    return MossThresholds(
        mu0=mu0,
        k=d1.k,
        d=d1.d,
        h1=round(d1.h, 6),
        h2=round(d2.h, 6),
        arl1=d1.arl0,
        arl2=d2.arl0,
        k_rounding=s1,
    )
