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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIGMA_FACTOR = 2.66
SCREEN_FACTOR = 3.267


@dataclass(frozen=True)
class Limits:
    mean: float
    lpl: float
    upl: float
    near_lpl: float
    near_upl: float


def xmr_limits(y: np.ndarray, fix_after: int | None = None, screen: bool = True) -> Limits:
    y = np.asarray(y, dtype=float)
    base = y[:fix_after] if fix_after else y
    mean = float(np.mean(base))
    mr = np.abs(np.diff(base))
    amr = float(np.mean(mr)) if len(mr) else float("nan")
    if screen and len(mr):
        kept = mr[mr < SCREEN_FACTOR * amr]
        amr = float(np.mean(kept)) if len(kept) else float("nan")
    near = 2 * SIGMA_FACTOR / 3
    return Limits(
        mean,
        mean - SIGMA_FACTOR * amr,
        mean + SIGMA_FACTOR * amr,
        mean - near * amr,
        mean + near * amr,
    )
