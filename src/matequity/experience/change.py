"""Whether a gap narrowed: the change between the first and the last period,
and the trend over every period, on the scale the gap is measured on (the log
of a relative likelihood, or a difference in percentage points), where 0 means
no gap.

* Change test: d = g_last - g_first, SE = sqrt(se_first^2 + se_last^2), two-sided
  z test (the periods are independent samples: different years' staff, survey
  respondents or births).
* Trend: inverse-variance weighted least squares of g on time (weights 1/se^2),
  the fixed-effect meta-regression of Thompson & Higgins (2002, Stat Med
  21:1559); the slope's SE is sqrt(1/sum(w(t - t_w)^2)), z test.
* Reading: "narrowed" when the test is significant (p < 0.05) and the gap moved
  towards 0 (the change has the opposite sign to the first gap); "widened" when
  significant and it moved away; otherwise "no clear change". For the trend the
  reference sign is that of the weighted mean gap.

Each gap's SE is the half-width of its 95% interval on the gap's scale divided
by 1.959964: exactly Katz's SE for a log relative likelihood, and close to the
Wald SE for a difference of percentages (never zero at 0% or 100%).
"""

from __future__ import annotations

import numpy as np

from matequity.stats.distributions import norm_sf
from matequity.stats.intervals import z_value


def se_from_interval(lower, upper, log: bool = False) -> np.ndarray:
    lo, hi = np.asarray(lower, float), np.asarray(upper, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if log:
            lo, hi = np.log(lo), np.log(hi)
        return (hi - lo) / (2 * z_value(0.95))


def reading(first_sign: float, change: float, p: float, alpha: float = 0.05) -> str:
    if not np.isfinite(p) or p >= alpha or first_sign == 0:
        return "no clear change"
    return "narrowed" if np.sign(change) == -np.sign(first_sign) else "widened"


def change_test(g0: float, se0: float, g1: float, se1: float) -> dict:
    """First against last period."""
    d = g1 - g0
    se = float(np.hypot(se0, se1))
    if not (np.isfinite(d) and np.isfinite(se) and se > 0):
        return {"change": np.nan, "change_se": np.nan, "change_p": np.nan, "change_reading": ""}
    p = float(2 * norm_sf(abs(d) / se))
    return {"change": d, "change_se": se, "change_p": p, "change_reading": reading(g0, d, p)}


def trend_test(t, g, se) -> dict:
    """Weighted least squares slope of the gap per unit of time."""
    t, g, se = (np.asarray(a, float) for a in (t, g, se))
    ok = np.isfinite(t) & np.isfinite(g) & np.isfinite(se) & (se > 0)
    t, g, se = t[ok], g[ok], se[ok]
    if len(t) < 3 or np.ptp(t) == 0:
        return {"slope": np.nan, "slope_se": np.nan, "slope_p": np.nan, "trend_reading": ""}
    w = 1 / se**2
    tw = np.sum(w * t) / np.sum(w)
    gw = np.sum(w * g) / np.sum(w)
    sxx = np.sum(w * (t - tw) ** 2)
    b = float(np.sum(w * (t - tw) * (g - gw)) / sxx)
    sb = float(np.sqrt(1 / sxx))
    p = float(2 * norm_sf(abs(b) / sb))
    return {"slope": b, "slope_se": sb, "slope_p": p, "trend_reading": reading(gw, b, p)}
