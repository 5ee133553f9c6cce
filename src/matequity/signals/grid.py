"""The rational grid of a Poisson CUSUM (CUSUMdesign's GETDEN).

CUSUMdesign (Hawkins; R package ``CUSUMdesign``, Fortran ``ANYSUBS.f``) runs a
discrete CUSUM on a grid of step 1/d, d in 1..10, so that the reference value k
and the decision interval h are multiples of 1/d and the Markov chain of
Brook & Evans (1972) is exact. The rule, reproduced with its quirk:

* for each d = 1..10 the error is ``(k d + 0.01) mod 1 - 0.01`` (Fortran ``MOD``
  measures the distance *above* an integer, so k d = 2.885 scores 0.875, not
  0.115);
* the first d with error < 0.01 is taken and k is kept unchanged;
* otherwise the d with the smallest error is taken (the first on ties) and k is
  moved onto the grid: k = INT(k d + 0.5) / d (Fortran ``INT`` truncates, so a
  half rounds up).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_DENOMINATOR = 10
TOLERANCE = 0.01


@dataclass(frozen=True)
class Grid:
    """k on its grid: ``k = k_steps / d`` when ``exact`` is False (or k is kept)."""

    k: float
    d: int
    k_steps: int


def _error(x: float) -> float:
    return math.fmod(x + TOLERANCE, 1.0) - TOLERANCE


def rationalise(k: float) -> Grid:
    """The grid denominator for reference value ``k`` and the (possibly moved) k."""
    if k < 0:
        raise ValueError("the reference value k must be >= 0")
    errors = [abs(_error(k * d)) for d in range(1, MAX_DENOMINATOR + 1)]
    for d, e in enumerate(errors, start=1):
        if e < TOLERANCE:
            return Grid(k, d, round(k * d))
    best = min(range(MAX_DENOMINATOR), key=lambda i: errors[i]) + 1
    steps = math.floor(k * best + 0.5)
    return Grid(steps / best, best, steps)
