"""XmR process limits, Making Data Count style (NHS England, "Making Data
Count", 2018-19), computed as NHSRplotthedots does (``ptd_spc_standard``).

Per chart (series x rebase group), points in date order:

* centre = mean of the values (of the first ``fix_after`` values when limits are
  fixed);
* moving ranges mR_i = |y_i - y_{i-1}| over the same values; with screening (the
  default) moving ranges at or above 3.267 x their mean are dropped once and the
  mean recomputed (Nelson 1982, J Qual Technol 14:172);
* process limits = centre +/- 2.66 x mean mR; the "near" (2 sigma) lines at
  centre +/- (2/3) 2.66 x mean mR.

2.66 is 3 / d2 with d2 = 1.128 for moving ranges of two, rounded as Making Data
Count, NHSRplotthedots and Provost & Murray (*The Health Care Data Guide*, 2011)
use it; qicharts2 computes 3 / 1.128 = 2.6596 (``factor`` lets a test use it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIGMA_FACTOR = 2.66
SCREEN_FACTOR = 3.267


@dataclass(frozen=True)
class Limits:
    """Process limits of one chart group. ``centre`` is the line the run rules
    use (the mean, unless the chart says otherwise: the g-chart's median)."""

    mean: float
    lpl: float
    upl: float
    near_lpl: float
    near_upl: float
    centre: float | None = None

    @property
    def centre_line(self) -> float:
        return self.mean if self.centre is None else self.centre


def xmr_limits(
    y: np.ndarray,
    fix_after: int | None = None,
    screen: bool = True,
    factor: float = SIGMA_FACTOR,
) -> Limits:
    y = np.asarray(y, dtype=float)
    base = y[:fix_after] if fix_after else y
    mean = float(np.mean(base))
    mr = np.abs(np.diff(base))
    amr = float(np.mean(mr)) if len(mr) else float("nan")
    if screen and len(mr):
        kept = mr[mr < SCREEN_FACTOR * amr]
        amr = float(np.mean(kept)) if len(kept) else float("nan")
    near = 2 * factor / 3
    return Limits(
        mean,
        mean - factor * amr,
        mean + factor * amr,
        mean - near * amr,
        mean + near * amr,
    )
