"""One site's MOSS CUSUM path: the recursion, the reset after a red month and the
signal levels, with the two ways NHS England's code has carried the statistic
from December into January when the year's thresholds (k, h and their grid)
change.

Source: nhsengland/Maternity-MOSS, ``Functions.R``
(``Cusum_Poisson_Counts_Immediate``) and the calling loop and output formatting
in ``MOSS Calculations.r``. Thresholds are per site and calendar year; the loop
runs over the site's months in order with the month's own k, h1 and h2.

``year_change="carry"`` (the default): MOSS's published repository at its
newest commit (``01e9554``, 8 April 2026; CUSUMdesign pinned to 1.1.5). The
statistic is one floating-point number carried unchanged across the year::

    S = 0
    for each month t:
        reset_t = round(S, 6) >= h2_t                 # h2 of *this* month's year
        S = max(0, X_t - k_t)  if reset_t  else  max(0, S + X_t - k_t)
    cusum_t = round(S, 6)
    level_t = 2 if cusum_t >= h2_t; 0 if X_t = 0; 1 if cusum_t >= h1_t; else 0

so a December value off January's grid stays off it (S = 1.8, then X = 2 with
k = 1.25 gives 2.55), and the reset test compares December's value with
January's red threshold.

``year_change="regrid"``: a later version of ``Functions.R`` (seen in the public
code index, not in the repository snapshot above) that keeps the statistic as
an integer number of grid steps, d S (d = the year's grid denominator,
``denrat``)::

    s = 0
    for each month t:
        if d_t != d_{t-1}:  s = round_half_up(s d_t / d_{t-1})   # onto the new grid
        reset_t = s >= round(h2_t d_t)
        s = max(0, round(d_t X_t) - round(d_t k_t))  if reset_t
            else max(0, s + round(d_t X_t) - round(d_t k_t))
    cusum_t = s / d_t;  levels compared in steps: s >= round(h d_t)

(an intermediate version re-gridded with R's ``round``, which rounds halves to
even; the two differ only when the carried value is exactly half-way between
two points of the new grid). Within a year the two modes give the same path
when k is on its grid; GETDEN also keeps a k within 0.01 of a grid value as it
is (0.89 on ninths: 0.89 x 9 = 8.01), and then ``carry`` steps by 0.89, as
MOSS's repository does, while ``regrid`` steps by 8/9.

Months without a design (NaN k: no expected count) have no chart; the statistic
is carried over them unchanged (MOSS's code cannot run without a denominator).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Literal

import numpy as np

from matequity.errors import UserError

YearChange = Literal["carry", "regrid"]
YEAR_CHANGES: tuple[str, ...] = ("carry", "regrid")
DIGITS = 6


def _carry(events, k, h1, h2):
    n = len(events)
    s_out = np.full(n, np.nan)
    level = np.zeros(n, dtype="int64")
    reset = np.zeros(n, dtype=bool)
    s = 0.0
    for t in range(n):
        if np.isnan(k[t]):
            continue
        x = float(events[t])
        reset[t] = round(s, DIGITS) >= h2[t]
        s = max(0.0, x - k[t]) if reset[t] else max(0.0, s + x - k[t])
        c = round(s, DIGITS)
        if c >= h2[t]:
            level[t] = 2
        elif x > 0 and c >= h1[t]:
            level[t] = 1
        s_out[t] = c
    return s_out, level, reset


def _half_up(q: Fraction) -> int:
    return math.floor(q + Fraction(1, 2))


def _regrid(events, k, d, h1, h2):
    n = len(events)
    s_out = np.full(n, np.nan)
    level = np.zeros(n, dtype="int64")
    reset = np.zeros(n, dtype=bool)
    steps, d_prev = 0, None
    for t in range(n):
        if np.isnan(k[t]):
            continue
        dt_ = int(d[t])
        if d_prev is not None and dt_ != d_prev:
            steps = _half_up(Fraction(steps * dt_, d_prev))
        x = float(events[t])
        xs, ks = round(x * dt_), round(k[t] * dt_)
        h1s, h2s = round(h1[t] * dt_), round(h2[t] * dt_)
        reset[t] = steps >= h2s
        steps = max(0, xs - ks) if reset[t] else max(0, steps + xs - ks)
        if steps >= h2s:
            level[t] = 2
        elif x > 0 and steps >= h1s:
            level[t] = 1
        s_out[t], d_prev = round(steps / dt_, DIGITS), dt_
    return s_out, level, reset


def run_chart(
    events: np.ndarray,
    k: np.ndarray,
    d: np.ndarray,
    h1: np.ndarray,
    h2: np.ndarray,
    year_change: YearChange = "carry",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cusum, level, reset) for one site's months in order (NaN k: no chart).

    ``reset`` is True on a month that starts from zero because the statistic
    carried into it reached the month's red threshold."""
    events, k, h1, h2 = (np.asarray(a, dtype=float) for a in (events, k, h1, h2))
    if year_change == "carry":
        return _carry(events, k, h1, h2)
    if year_change == "regrid":
        return _regrid(events, k, np.asarray(d, dtype=float), h1, h2)
    raise UserError(f"year change {year_change!r}: expected {' or '.join(YEAR_CHANGES)}")
