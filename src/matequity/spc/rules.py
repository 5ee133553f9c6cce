"""Making Data Count special-cause rules, as NHSRplotthedots applies them
(``ptd_calculate_point_type``):

* outside the process limits;
* shift: 7 consecutive points on the same side of the mean (a point on the mean
  breaks it); every point of such a run is flagged;
* trend: 7 consecutive points each strictly above (below) the previous; every
  point of the run is flagged;
* two of three: within 3 consecutive points all on the same side of the mean, at
  least 2 between the 2-sigma line and the limit ("close"); the close points are
  flagged.

When a point meets several, ``special_cause_type`` names the first of: outside
the limits, trend, two of three, shift (NHSRplotthedots' precedence).
"""

from __future__ import annotations

import numpy as np

RUN = 7


def shift_ends(side: np.ndarray) -> np.ndarray:
    """+1/-1 at the last point of every 7-run on one side, else 0."""
    side = np.asarray(side, dtype=int)
    out = np.zeros(len(side), dtype=int)
    for i in range(RUN - 1, len(side)):
        w = side[i - RUN + 1 : i + 1]
        if w[-1] != 0 and (w == w[-1]).all():
            out[i] = w[-1]
    return out


def trend_ends(y: np.ndarray) -> np.ndarray:
    """+1/-1 at the last point of every 7-point strictly monotone run, else 0."""
    y = np.asarray(y, dtype=float)
    out = np.zeros(len(y), dtype=int)
    for i in range(RUN - 1, len(y)):
        d = np.sign(np.diff(y[i - RUN + 1 : i + 1]))
        if (d == 1).all():
            out[i] = 1
        elif (d == -1).all():
            out[i] = -1
    return out


def back_fill(ends: np.ndarray) -> np.ndarray:
    """Flag a point when it or one of the next 6 ends a run (so whole runs flag)."""
    ends = np.asarray(ends) != 0
    out = np.zeros(len(ends), dtype=bool)
    for i in range(len(ends)):
        out[i] = ends[i : i + RUN].any()
    return out


def two_in_three(close: np.ndarray, side: np.ndarray) -> np.ndarray:
    """1 where the point is in some window of 3 consecutive points, all on one
    side of the mean, with at least 2 close to a limit."""
    close = np.asarray(close, dtype=int)
    side = np.asarray(side, dtype=int)
    n = len(close)
    hit = np.zeros(n, dtype=bool)
    for start in range(n - 2):
        c, s = close[start : start + 3], side[start : start + 3]
        if c.sum() >= 2 and abs(s.sum()) == 3:
            hit[start : start + 3] = True
    return hit.astype(int)


def special_cause(
    y: np.ndarray, side: np.ndarray, close: np.ndarray, outside: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(flag, special_cause_type text) per point."""
    out = np.asarray(outside, dtype=bool)
    y = np.asarray(y, dtype=float)
    side = np.asarray(side, dtype=int)
    trend_e = trend_ends(y)
    trend = back_fill(trend_e)
    shift = back_fill(shift_ends(side))
    tit = (two_in_three(close, side) == 1) & (np.asarray(close) == 1)
    flag = out | trend | shift | tit
    # direction of the trend a point belongs to: the sign at the run's end
    trend_dir = np.zeros(len(y), dtype=int)
    for i in np.nonzero(trend_e)[0]:
        trend_dir[max(0, i - RUN + 1) : i + 1] = trend_e[i]
    text = []
    for i in range(len(y)):
        above = side[i] > 0
        if out[i]:
            text.append("Above UCL" if above else "Below LCL")
        elif trend[i]:
            text.append(
                "7 Point Trend (Increasing)" if trend_dir[i] >= 0 else "7 Point Trend (Decreasing)"
            )
        elif tit[i]:
            text.append("2 in 3 Above CL" if above else "2 in 3 Below CL")
        elif shift[i]:
            text.append("7 Points Above CL" if above else "7 Points Below CL")
        else:
            text.append("Common Cause")
    return flag, np.array(text, dtype=object)
