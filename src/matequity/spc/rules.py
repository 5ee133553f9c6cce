"""Making Data Count special-cause rules and point types, exactly as
NHSRplotthedots 0.2.x computes them (``R/ptd_calculate_point_type.R``:
``ptd_seven_point_one_side_mean``, ``ptd_seven_point_trend``,
``ptd_part_of_seven_trend``, ``ptd_two_in_three``,
``ptd_part_of_two_in_three``, ``ptd_special_cause_type``, ``ptd_point_type``).

Per chart group (series x rebase group), points in date order, with
``side`` = sign(y - centre), ``close`` = beyond the 2-sigma line but inside the
limits and ``outside`` = beyond a process limit:

* **shift**: a point ends a shift when it and the 6 before it are on the same
  side of the centre (a point on the centre breaks it); every point of such a
  run is part of the shift (a point is part when it or one of the next 6 ends
  one);
* **trend**: a point ends a trend when the 6 differences up to it are all
  positive, or all negative (a tie breaks it); parts as for shifts;
* **two of three**: a close point in some window of 3 consecutive points, all on
  one side of the centre, with at least 2 close;
* **outside the limits**.

``special_cause_type`` names the first rule a point meets in the order outside
> trend > two of three > shift. A trend point's direction is read from the
step to its right when the next point is also part of a trend, else from the
step to its left (so a point where a rising and a falling trend meet takes the
falling one; a step of zero there reads as "Decreasing", as in the R code).
``point_type`` comes from that text alone: "Above" or "Increasing" is +1,
"Below" or "Decreasing" is -1, times the improvement direction: a 7-point
rising trend is an improvement when higher is better wherever it sits against
the mean, and a concern when lower is better.
"""

from __future__ import annotations

import numpy as np

RUN = 7
COMMON = "Common Cause"


def shift_ends(side: np.ndarray) -> np.ndarray:
    """1 at a point that ends 7 points on one side of the centre, else 0."""
    side = np.asarray(side, dtype=int)
    out = np.zeros(len(side), dtype=int)
    for i in range(RUN - 1, len(side)):
        w = side[i - RUN + 1 : i + 1]
        out[i] = int(w[-1] != 0 and (w == w[-1]).all())
    return out


def trend_ends(y: np.ndarray) -> np.ndarray:
    """+1 / -1 at a point that ends a 7-point rising / falling run, else 0."""
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
    """A point is part of a run when it or one of the next 6 points ends one."""
    ends = np.abs(np.asarray(ends)) == 1
    return np.array([ends[i : i + RUN].any() for i in range(len(ends))], dtype=bool)


def two_in_three(close: np.ndarray, side: np.ndarray) -> np.ndarray:
    """1 where the point is in a window of 3 consecutive points, all on one side
    of the centre, with at least 2 close to a limit."""
    close = np.asarray(close, dtype=int)
    side = np.asarray(side, dtype=int)
    n = len(close)
    cp = np.concatenate([[0, 0], close, [0, 0]])
    sp = np.concatenate([[0, 0], side, [0, 0]])
    hit = np.zeros(n, dtype=int)
    for i in range(n):
        for a in (i, i + 1, i + 2):
            if cp[a : a + 3].sum() >= 2 and abs(sp[a : a + 3].sum()) == 3:
                hit[i] = 1
                break
    return hit


def _trend_direction(y: np.ndarray, part: np.ndarray) -> np.ndarray:
    n = len(y)
    if n < 2:
        return np.zeros(n)
    sdy = np.sign(np.diff(y))
    right = np.append(sdy, sdy[-1])
    left = np.insert(sdy, 0, 0.0)
    nxt = np.append(part[1:], False)
    return np.where(nxt & part, right, left)


def special_cause_type(
    y: np.ndarray, side: np.ndarray, close: np.ndarray, outside: np.ndarray
) -> np.ndarray:
    """The ``special_cause_type`` text of each point (``ptd_special_cause_type``)."""
    y = np.asarray(y, dtype=float)
    side = np.asarray(side, dtype=int)
    close = np.asarray(close, dtype=int)
    out = np.asarray(outside, dtype=bool)
    trend = back_fill(trend_ends(y))
    tit = (two_in_three(close, side) == 1) & (np.abs(close) == 1)
    shift = back_fill(shift_ends(side))
    way = _trend_direction(y, trend)
    text = []
    for i in range(len(y)):
        above = "Above" if side[i] > 0 else "Below"
        if out[i]:
            text.append("Above UCL" if side[i] == 1 else "Below LCL")
        elif trend[i]:
            text.append(f"7 Point Trend ({'In' if way[i] == 1 else 'De'}creasing)")
        elif tit[i]:
            text.append(f"2 in 3 {above} CL")
        elif shift[i]:
            text.append(f"7 Points {above} CL")
        else:
            text.append(COMMON)
    return np.array(text, dtype=object)


def point_type(types: np.ndarray, direction: int) -> np.ndarray:
    """``point_type`` from ``special_cause_type`` and the improvement direction
    (1 increase, -1 decrease, 0 neutral), as ``ptd_point_type``."""
    out = []
    for t in types:
        up, down = ("Above" in t or "Increasing" in t), ("Below" in t or "Decreasing" in t)
        v = 1 if up else -1 if down else 0
        if direction == 0:
            out.append(
                "special_cause_neutral_high"
                if v > 0
                else "special_cause_neutral_low"
                if v < 0
                else "common_cause"
            )
        else:
            w = v * direction
            out.append(
                "special_cause_improvement"
                if w > 0
                else "special_cause_concern"
                if w < 0
                else "common_cause"
            )
    return np.array(out, dtype=object)


def special_cause(
    y: np.ndarray, side: np.ndarray, close: np.ndarray, outside: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(flag, special_cause_type text) per point; the flag is "not common cause"."""
    text = special_cause_type(y, side, close, outside)
    return text != COMMON, text
