"""Limits of the two charts for rare events, where monthly counts are mostly
zero and an XmR chart of rates says little.

**g-chart** (opportunities between events; Benneyan 2001, "Number-between
g-type statistical quality control charts for monitoring adverse events",
Health Care Management Science 4:305-318; qicharts2 ``qic.g``). The value is
the number of births from one event to the next. With a constant probability p
of an event per birth the number of births before the next event is geometric,
mean (1 - p)/p and standard deviation sqrt(1 - p)/p = sqrt(m (m + 1)) for the
mean m, so:

* limits m +/- 3 sqrt(m (m + 1)), the 2-sigma lines m +/- 2 sqrt(m (m + 1)),
  each at least 0 (Benneyan's a = 0 case; qicharts2 the same);
* the centre line is the **median** of the values (qicharts2: the geometric is
  skewed, so runs are judged about the median, where half the points lie).

**t-chart** (time between events; Nelson 1994, "A control chart for
parts-per-million nonconforming items", Journal of Quality Technology
26:239-240; Provost & Murray, *The Health Care Data Guide*, 2011, ch. 7;
Montgomery, *Introduction to Statistical Quality Control*, example 7.6;
qicharts2 ``qic.t``). Times between events are exponential when events occur
at random; y^(1/3.6) makes them close to normal (Nelson). An individuals (XmR)
chart is computed on the transformed values, and its mean, limits and 2-sigma
lines are back-transformed (^3.6); a negative transformed lower line becomes 0.
The rules are applied on the transformed scale (the transformation is monotone,
so they read the same on the original one, up to rounding at a limit).
"""

from __future__ import annotations

import math

import numpy as np

from matequity.spc.limits import SIGMA_FACTOR, Limits, xmr_limits

#: Nelson's (1994) power transformation of times between events
T_POWER = 3.6
G_SIGMA = 3.0
G_NEAR = 2.0


def g_limits(y: np.ndarray, fix_after: int | None = None) -> Limits:
    """g-chart limits for opportunities between events (values >= 0)."""
    y = np.asarray(y, dtype=float)
    base = y[:fix_after] if fix_after else y
    m = float(np.mean(base))
    sd = math.sqrt(m * (m + 1.0))
    return Limits(
        mean=m,
        lpl=max(0.0, m - G_SIGMA * sd),
        upl=m + G_SIGMA * sd,
        near_lpl=max(0.0, m - G_NEAR * sd),
        near_upl=m + G_NEAR * sd,
        centre=float(np.median(base)),
    )


def _back(v: float) -> float:
    if math.isnan(v):
        return v
    return 0.0 if v <= 0 else v**T_POWER


def transform(y: np.ndarray) -> np.ndarray:
    """Nelson's y^(1/3.6)."""
    return np.asarray(y, dtype=float) ** (1.0 / T_POWER)


def back_transform(lim: Limits) -> Limits:
    """Transformed-scale limits back on the scale of the times."""
    return Limits(
        mean=_back(lim.mean),
        lpl=_back(lim.lpl),
        upl=_back(lim.upl),
        near_lpl=_back(lim.near_lpl),
        near_upl=_back(lim.near_upl),
    )


def t_limits(
    y: np.ndarray,
    fix_after: int | None = None,
    screen: bool = True,
    factor: float = SIGMA_FACTOR,
) -> Limits:
    """t-chart limits for times between events (values > 0), back-transformed."""
    return back_transform(xmr_limits(transform(y), fix_after, screen, factor))
