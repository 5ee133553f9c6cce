"""Making Data Count SPC charts for any series (NHSRplotthedots' ``ptd_spc``).

For each series (``series_id``, else one chart) and rebase group: XmR limits
(:mod:`matequity.spc.limits`), the special-cause rules (:mod:`matequity.spc.rules`)
and the point type oriented by the improvement direction:
``special_cause_improvement`` / ``special_cause_concern``, or
``special_cause_neutral_high|low`` when no direction is given, else
``common_cause``.

Per chart: the **variation** type is the last point's type with its side
(e.g. ``special_cause_concern_high``; the Making Data Count variation icon); the
**assurance** type compares a target with the last group's limits: target above
the upper limit is ``consistent_fail`` when higher is better (else
``consistent_pass``), below the lower limit the reverse, otherwise
``inconsistent``; none without a target or with a neutral direction. A chart
group of 12 points or fewer gets ``short_series_warning`` (trial limits;
NHSRplotthedots warns below 13).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from matequity.errors import UserError
from matequity.spc.limits import xmr_limits
from matequity.spc.rules import special_cause

DIRECTIONS = {"increase": 1, "decrease": -1, "neutral": 0}
MIN_FIX = 12
SHORT = 12
POINT_COLUMNS = ("mean", "lpl", "upl", "special_cause_type", "point_type")


def _point_type(flag: bool, side: int, direction: int) -> str:
    if not flag:
        return "common_cause"
    if direction == 0:
        return "special_cause_neutral_" + ("high" if side > 0 else "low")
    return "special_cause_improvement" if side == direction else "special_cause_concern"


def assurance(target: float | None, lpl: float, upl: float, direction: int) -> str | None:
    if target is None or direction == 0 or np.isnan(target):
        return None
    if target > upl:
        return "consistent_fail" if direction == 1 else "consistent_pass"
    if target < lpl:
        return "consistent_pass" if direction == 1 else "consistent_fail"
    return "inconsistent"


def _one(
    part: pd.DataFrame,
    direction: int,
    target: float | None,
    rebase: Sequence[pd.Timestamp],
    fix_after: int | None,
    screen: bool,
) -> pd.DataFrame:
    part = part.sort_values("date").reset_index(drop=True)
    group = np.zeros(len(part), dtype=int)
    for d in sorted(rebase):
        group += (part["date"] >= d).to_numpy()
    part["rebase_group"] = group
    frames = []
    for _g, p in part.groupby("rebase_group", sort=True):
        p = p.copy()
        y = p["value"].to_numpy(float)
        lim = xmr_limits(y, fix_after, screen)
        side = np.sign(y - lim.mean).astype(int)
        outside = (y > lim.upl) | (y < lim.lpl)
        close = ~outside & ((y < lim.near_lpl) | (y > lim.near_upl))
        flag, text = special_cause(y, side, close.astype(int), outside)
        p["mean"], p["lpl"], p["upl"] = lim.mean, lim.lpl, lim.upl
        p["special_cause_type"] = text
        p["point_type"] = [
            _point_type(bool(f), int(s), direction) for f, s in zip(flag, side, strict=True)
        ]
        p["_side"] = side
        p["short_series_warning"] = len(p) <= SHORT
        frames.append(p)
    out = pd.concat(frames, ignore_index=True)
    last = out.iloc[-1]
    side = "high" if last["_side"] > 0 else "low"
    out["variation_type"] = (
        "common_cause"
        if last["point_type"] == "common_cause"
        else f"{last['point_type'].replace('_high', '').replace('_low', '')}_{side}"
    )
    out["assurance_type"] = assurance(target, last["lpl"], last["upl"], direction)
    return out.drop(columns=["_side"])


def spc(
    df: pd.DataFrame,
    improvement: str = "increase",
    target: float | None = None,
    rebase: Sequence[str] = (),
    fix_after: int | None = None,
    screen_outliers: bool = True,
) -> pd.DataFrame:
    """Per point: the input columns plus mean, lpl, upl, special_cause_type,
    point_type, rebase_group, short_series_warning, variation_type, assurance_type."""
    if improvement not in DIRECTIONS:
        raise UserError(
            f"unknown improvement direction {improvement!r}: expected increase, decrease or neutral"
        )
    if fix_after is not None and fix_after < MIN_FIX:
        raise UserError(f"--fix-after must be at least {MIN_FIX} points")
    for c in ("date", "value"):
        if c not in df.columns:
            raise UserError(f"missing column '{c}' (an SPC table needs date, value)")
    t = df.copy()
    t["date"] = pd.to_datetime(t["date"], errors="coerce")
    if t["date"].isna().any():
        row = int(t["date"].isna().to_numpy().argmax()) + 2
        raise UserError(f"row {row}, column 'date': expected a date (YYYY-MM-DD)")
    t["value"] = pd.to_numeric(t["value"], errors="coerce")
    if t["value"].isna().any():
        row = int(t["value"].isna().to_numpy().argmax()) + 2
        raise UserError(f"row {row}, column 'value': expected a number")
    try:
        dates = [pd.Timestamp(d) for d in rebase]
    except ValueError:
        raise UserError("--rebase: expected dates YYYY-MM-DD") from None
    key = "series_id" if "series_id" in t.columns else None
    parts = t.groupby(key, sort=True) if key else [(None, t)]
    out = pd.concat(
        [
            _one(p, DIRECTIONS[improvement], target, dates, fix_after, screen_outliers)
            for _k, p in parts
        ],
        ignore_index=True,
    )
    out["date"] = out["date"].dt.date.astype(str)
    return out
