"""Making Data Count SPC charts for any series (NHSRplotthedots' ``ptd_spc``).

For each series (``series_id``, else one chart) and rebase group: the limits of
the chosen chart (``xmr``: :mod:`matequity.spc.limits`; ``g`` and ``t`` for rare
events: :mod:`matequity.spc.rare_limits`), the special-cause rules and point
types of :mod:`matequity.spc.rules` (``special_cause_improvement`` /
``special_cause_concern`` oriented by the improvement direction, or
``special_cause_neutral_high|low`` when no direction is given, else
``common_cause``).

Per chart: the **variation** type is the Making Data Count variation icon of the
last point, as NHSRplotthedots' ``geom_ptd_icon`` chooses it: an improvement is
``_high`` when higher is better and ``_low`` when lower is better, a concern the
reverse (e.g. ``special_cause_concern_high`` for a rise in a measure where lower
is better); neutral points keep their own side; the
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
from matequity.spc.limits import Limits, xmr_limits
from matequity.spc.rare_limits import back_transform, g_limits, transform
from matequity.spc.rules import point_type, special_cause_type

DIRECTIONS = {"increase": 1, "decrease": -1, "neutral": 0}
CHARTS = ("xmr", "g", "t")
MIN_FIX = 12
SHORT = 12
POINT_COLUMNS = ("mean", "lpl", "upl", "special_cause_type", "point_type")


def variation_type(last_point_type: str, direction: int) -> str:
    """The variation icon of a chart from its last point's type."""
    if last_point_type == "special_cause_improvement":
        return last_point_type + ("_high" if direction == 1 else "_low")
    if last_point_type == "special_cause_concern":
        return last_point_type + ("_low" if direction == 1 else "_high")
    return last_point_type


def assurance(target: float | None, lpl: float, upl: float, direction: int) -> str | None:
    if target is None or direction == 0 or np.isnan(target):
        return None
    if target > upl:
        return "consistent_fail" if direction == 1 else "consistent_pass"
    if target < lpl:
        return "consistent_pass" if direction == 1 else "consistent_fail"
    return "inconsistent"


def _limits(
    kind: str, y: np.ndarray, fix_after: int | None, screen: bool
) -> tuple[Limits, np.ndarray, Limits]:
    """(limits shown, values the rules read, limits the rules read): the t-chart's
    rules read the transformed times against the transformed limits."""
    if kind == "g":
        lim = g_limits(y, fix_after)
        return lim, y, lim
    if kind == "t":
        z = transform(y)
        rule = xmr_limits(z, fix_after, screen)
        return back_transform(rule), z, rule
    lim = xmr_limits(y, fix_after, screen)
    return lim, y, lim


def _one(
    part: pd.DataFrame,
    direction: int,
    target: float | None,
    rebase: Sequence[pd.Timestamp],
    fix_after: int | None,
    screen: bool,
    kind: str = "xmr",
) -> pd.DataFrame:
    part = part.sort_values("date", kind="stable").reset_index(drop=True)
    group = np.zeros(len(part), dtype=int)
    for d in sorted(rebase):
        group += (part["date"] >= d).to_numpy()
    part["rebase_group"] = group
    frames = []
    for _g, p in part.groupby("rebase_group", sort=True):
        p = p.copy()
        y = p["value"].to_numpy(float)
        lim, yr, rule = _limits(kind, y, fix_after, screen)
        side = np.sign(yr - rule.centre_line).astype(int)
        outside = (yr > rule.upl) | (yr < rule.lpl)
        close = ~outside & ((yr < rule.near_lpl) | (yr > rule.near_upl))
        text = special_cause_type(yr, side, close.astype(int), outside)
        p["mean"], p["lpl"], p["upl"] = lim.mean, lim.lpl, lim.upl
        if kind != "xmr":
            p["centre"] = lim.centre_line
        p["special_cause_type"] = text
        p["point_type"] = point_type(text, direction)
        p["short_series_warning"] = len(p) <= SHORT
        frames.append(p)
    out = pd.concat(frames, ignore_index=True)
    last = out.iloc[-1]
    out["variation_type"] = variation_type(str(last["point_type"]), direction)
    out["assurance_type"] = assurance(target, last["lpl"], last["upl"], direction)
    return out


def spc(
    df: pd.DataFrame,
    improvement: str = "increase",
    target: float | None = None,
    rebase: Sequence[str] = (),
    fix_after: int | None = None,
    screen_outliers: bool = True,
    chart: str = "xmr",
) -> pd.DataFrame:
    """Per point: the input columns plus mean, lpl, upl, special_cause_type,
    point_type, rebase_group, short_series_warning, variation_type, assurance_type
    (and ``centre``, the line the run rules use, for the g- and t-charts).

    ``chart``: ``xmr`` (values), ``g`` (opportunities between events, >= 0) or
    ``t`` (times between events, > 0); see :mod:`matequity.spc.between_events`
    for building g and t values from event dates."""
    if chart not in CHARTS:
        raise UserError(f"unknown chart {chart!r}: expected xmr, g or t")
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
    bad = (t["value"] < 0) if chart == "g" else (t["value"] <= 0) if chart == "t" else None
    if bad is not None and bad.any():
        row = int(bad.to_numpy().argmax()) + 2
        what = "a count >= 0 (births between events)" if chart == "g" else "a time > 0"
        raise UserError(f"row {row}, column 'value': the {chart}-chart needs {what}")
    try:
        dates = [pd.Timestamp(d) for d in rebase]
    except ValueError:
        raise UserError("--rebase: expected dates YYYY-MM-DD") from None
    key = "series_id" if "series_id" in t.columns else None
    parts = t.groupby(key, sort=True) if key else [(None, t)]
    out = pd.concat(
        [
            _one(p, DIRECTIONS[improvement], target, dates, fix_after, screen_outliers, chart)
            for _k, p in parts
        ],
        ignore_index=True,
    )
    out["date"] = out["date"].dt.date.astype(str)
    return out
