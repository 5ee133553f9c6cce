"""Trends in rates over time, gaps between groups, and the national ambition.

* Each group's trend: Poisson regression of the counts on time with the log
  denominator as offset (a log-linear trend), quasi-Poisson standard errors
  (scale = Pearson chi-square / df when above 1). Annual percentage change
  APC = 100 (exp(b) - 1) with its interval; for proportions the same model with
  robust (sandwich) errors, the modified Poisson approach of Zou (2004, Am J
  Epidemiol 159:702).
* Whether a gap is narrowing: the same model for a group and the reference
  group with a group x time interaction. exp(interaction) is the yearly change
  in the rate ratio; the gap narrows when the ratio moves towards 1.
* Distance to the national ambition (:mod:`matequity.stats.ambitions`): the
  latest rate, the fitted trend projected to the ambition year, and the year the
  target would be reached at the current pace (never, if the trend is flat or
  rising).

Time is read from the period labels: '2024', '2024 Q2' (2024.25), '2024-07'.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from matequity.errors import UserError
from matequity.stats.ambitions import AMBITIONS
from matequity.stats.frames import UNKNOWN_GROUPS, frame_columns, iter_frames, measure_settings
from matequity.stats.intervals import z_value

#: what :func:`trend` can give
RESULTS: tuple[str, ...] = ("trend", "gap", "ambition")


def time_value(label: str) -> float:
    s = str(label).strip()
    m = re.fullmatch(r"(\d{4})", s)
    if m:
        return float(m.group(1))
    m = re.fullmatch(r"(\d{4})\s*Q([1-4])", s)
    if m:
        return int(m.group(1)) + (int(m.group(2)) - 1) / 4
    m = re.fullmatch(r"(\d{4})-(\d{2})", s)
    if m:
        return int(m.group(1)) + (int(m.group(2)) - 1) / 12
    raise UserError(f"time '{s}' is not a year, 'YYYY Qn' or 'YYYY-MM'")


def _fit(y, x, offset, robust: bool):
    # statsmodels on first use: importing it costs about half a second, and most
    # reports fit no trend
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    model = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset)
    with warnings.catch_warnings():
        # an exactly log-linear series is a perfect fit, not an error
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        if robust:
            return model.fit(cov_type="HC0")
        res = model.fit()
        scale = max(1.0, float(res.pearson_chi2) / max(res.df_resid, 1))
        return model.fit(scale=scale) if scale > 1 else res


def _exp(x: float) -> float:
    """exp(x); NaN where it overflows (a diverged fit)."""
    with np.errstate(over="ignore", invalid="ignore"):
        v = np.exp(x)
    return float(v) if np.isfinite(v) else float("nan")


def _percent_change(log_slope: float) -> float:
    """100 x (exp(b) - 1); NaN where it overflows (a series whose events all
    fall in its first or last period has no finite slope: the fit diverges)."""
    with np.errstate(over="ignore", invalid="ignore"):
        v = 100 * np.expm1(log_slope)
    return float(v) if np.isfinite(v) else float("nan")


def no_finite_slope(o: np.ndarray) -> bool:
    """True when every event falls in the first or in the last period (``o`` in
    time order): the Poisson log-linear slope then has no finite maximum
    likelihood estimate (the fit diverges; Albert & Anderson 1984 on
    separation), so no trend is given."""
    nz = np.flatnonzero(np.asarray(o) > 0)
    return len(nz) > 0 and (nz.max() == 0 or nz.min() == len(o) - 1)


NO_SLOPE = "no finite trend: every event falls in the first or the last period"


def group_trend(
    t: np.ndarray, o: np.ndarray, n: np.ndarray, robust: bool, confidence: float = 0.95
) -> dict:
    x = np.column_stack([np.ones(len(t)), t - t.mean()])  # intercept, centred time
    res = _fit(o, x, np.log(n), robust)
    b, se = float(res.params[1]), float(res.bse[1])
    z = z_value(confidence)
    return {
        "estimate": _percent_change(b),
        "lower_95": _percent_change(b - z * se),
        "upper_95": _percent_change(b + z * se),
        "p_value": float(res.pvalues[1]),
    }


def gap_trend(t, o1, n1, o0, n0, robust: bool, confidence: float = 0.95) -> dict:
    tt = np.concatenate([t, t]) - t.mean()
    g = np.concatenate([np.ones_like(t), np.zeros_like(t)])
    x = np.column_stack([np.ones_like(tt), g, tt, g * tt])
    res = _fit(np.concatenate([o1, o0]), x, np.log(np.concatenate([n1, n0])), robust)
    b, se = float(res.params[3]), float(res.bse[3])
    log_rr = float(res.params[1])
    z = z_value(confidence)
    moves_to_one = (log_rr > 0 and b < 0) or (log_rr < 0 and b > 0)
    p = float(res.pvalues[3])
    direction = (
        "no clear change" if p >= 1 - confidence else ("narrowing" if moves_to_one else "widening")
    )
    return {
        "estimate": _exp(b),
        "lower_95": _exp(b - z * se),
        "upper_95": _exp(b + z * se),
        "p_value": p,
        "direction": direction,
        "rate_ratio_mid": _exp(log_rr),
    }


#: the figures a fitted trend or gap reports
_ESTIMATES = ("estimate", "lower_95", "upper_95", "p_value")


def _estimates(fit: dict) -> dict:
    """The reported figures of a fit (:func:`group_trend` or :func:`gap_trend`)."""
    return {k: fit[k] for k in _ESTIMATES}


def trend(
    df: pd.DataFrame,
    time: str,
    by: str | None = None,
    reference: str | None = None,
    statistic: str | None = None,
    multiplier: float | None = None,
    results: Sequence[str] = RESULTS,
) -> pd.DataFrame:
    """Long table: one 'trend' row per group (column ``by``, or ``series`` when
    there is no grouping; 'All' is every group together), 'gap' rows per group
    against the reference, and an 'ambition' row for measures that have one.
    ``results``: which of these to fit and give (an ambition needs only the
    trend of every group together)."""
    unknown = [r for r in results if r not in RESULTS]
    if unknown:
        raise UserError(f"results {', '.join(unknown)}: expected {', '.join(RESULTS)}")
    if time not in df.columns:
        raise UserError(f"no time column '{time}'")
    keys = [k for k in frame_columns(df, [time, *([by] if by else [])])]
    stat, mult, _b = measure_settings(df, statistic, multiplier)
    t_all = df.assign(_t=df[time].map(time_value), _stat=stat, _mult=mult)
    rows = []
    for kv, part in iter_frames(t_all, keys):
        robust = part["_stat"].iloc[0] == "proportion"
        m = float(part["_mult"].iloc[0])
        series = {}
        if by and ("trend" in results or "gap" in results):
            for gname, gp in part.groupby(by, sort=False):
                if str(gname) in UNKNOWN_GROUPS:
                    continue
                series[str(gname)] = gp.groupby("_t")[["numerator", "denominator"]].sum()
        total = part.groupby("_t")[["numerator", "denominator"]].sum()
        # each group's trend, or only every group's together (for the ambition)
        fitted = [*series.items(), ("All", total)] if "trend" in results else [("All", total)]
        for gname, s in fitted:
            s = s[s["denominator"] > 0]
            if len(s) < 3 or s["numerator"].sum() == 0:
                continue
            if no_finite_slope(s["numerator"].to_numpy()):
                if "trend" in results:
                    rows.append({**kv, "group": gname, "result": "trend", "note": NO_SLOPE})
                continue
            if "trend" in results:
                r = group_trend(
                    s.index.to_numpy(float),
                    s["numerator"].to_numpy(float),
                    s["denominator"].to_numpy(float),
                    robust,
                )
                rows.append(
                    {
                        **kv,
                        "group": gname,
                        "result": "trend",
                        **_estimates(r),
                        "note": "annual percentage change (%)",
                    }
                )
            if gname == "All" and "ambition" in results:
                rows.extend(_ambition(kv, s, m))
        if by and reference is not None and "gap" in results:
            if reference not in series:
                raise UserError(f"reference group '{reference}' is not in column '{by}'")
            ref = series[reference]
            for gname, s in series.items():
                if gname == reference:
                    continue
                j = s.join(ref, lsuffix="_g", rsuffix="_r", how="inner")
                j = j[(j["denominator_g"] > 0) & (j["denominator_r"] > 0)]
                if len(j) < 3 or j["numerator_g"].sum() == 0 or j["numerator_r"].sum() == 0:
                    continue
                if no_finite_slope(j["numerator_g"].to_numpy()) or no_finite_slope(
                    j["numerator_r"].to_numpy()
                ):
                    rows.append(
                        {
                            **kv,
                            "group": gname,
                            "result": "gap",
                            "reference": reference,
                            "note": NO_SLOPE,
                        }
                    )
                    continue
                g = gap_trend(
                    j.index.to_numpy(float),
                    j["numerator_g"].to_numpy(float),
                    j["denominator_g"].to_numpy(float),
                    j["numerator_r"].to_numpy(float),
                    j["denominator_r"].to_numpy(float),
                    robust,
                )
                rows.append(
                    {
                        **kv,
                        "group": gname,
                        "result": "gap",
                        "reference": reference,
                        **_estimates(g),
                        "direction": g["direction"],
                        "note": f"yearly change in the rate ratio against {reference} "
                        f"(mid-period ratio {g['rate_ratio_mid']:.2f})",
                    }
                )
    gcol = by or "series"
    for r in rows:
        r[gcol] = r.pop("group")
    cols = [
        *keys,
        gcol,
        "result",
        "reference",
        "estimate",
        "lower_95",
        "upper_95",
        "p_value",
        "direction",
        "target",
        "latest_value",
        "projected_value",
        "year_reached",
        "note",
    ]
    return pd.DataFrame(rows).reindex(columns=cols)


def log_linear(t: np.ndarray, o: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood intercept and slope of log E[o] = log n + a + b t, the
    Poisson log-linear trend of :func:`group_trend` (its quasi-Poisson scale and
    robust errors change the standard errors only, not the estimates): Newton's
    method (Fisher scoring, as IRLS; McCullagh & Nelder 1989, Generalized Linear
    Models, 2nd ed., section 2.5) on the concave log-likelihood, in centred time,
    from the overall rate, halving a step that lowers it. Needs at least one event
    and a finite slope (:func:`no_finite_slope` false), as :func:`trend` checks.
    The estimates are statsmodels' GLM's (tests); this needs no statsmodels
    import (half a second)."""
    t, o, n = (np.asarray(v, dtype=float) for v in (t, o, n))
    centre = t.mean()
    x = np.column_stack([np.ones_like(t), t - centre])
    beta = np.array([math.log(o.sum() / n.sum()), 0.0])

    def loglik(bt: np.ndarray) -> float:
        eta = x @ bt
        with np.errstate(over="ignore"):
            return float(np.sum(o * eta - n * np.exp(eta)))

    ll = loglik(beta)
    for _ in range(100):
        mu = n * np.exp(x @ beta)
        step = np.linalg.solve((x * mu[:, None]).T @ x, x.T @ (o - mu))
        for _ in range(50):
            new = loglik(beta + step)
            if new >= ll - 1e-12 * abs(ll):
                break
            step = step / 2
        beta, ll = beta + step, new
        if np.max(np.abs(step) / (1.0 + np.abs(beta))) < 1e-13:
            break
    return float(beta[0] - beta[1] * centre), float(beta[1])


def _ambition(kv: dict, s: pd.DataFrame, m: float) -> list[dict]:
    measure = kv.get("measure")
    amb = AMBITIONS.get(str(measure)) if measure is not None else None
    if amb is None:
        return []
    latest_t = float(s.index.max())
    latest = float(s.loc[latest_t, "numerator"] / s.loc[latest_t, "denominator"] * m)
    a, b = log_linear(
        s.index.to_numpy(float), s["numerator"].to_numpy(float), s["denominator"].to_numpy(float)
    )
    projected = _exp(a + b * amb.year) * m
    if b < 0:
        reached_t = (math.log(amb.target / m) - a) / b
        reached = f"{math.ceil(reached_t)}" if reached_t > latest_t else "already below"
    else:
        reached = "not at the current pace"
    return [
        {
            **kv,
            "group": "All",
            "result": "ambition",
            "target": amb.target,
            "latest_value": latest,
            "projected_value": projected,
            "year_reached": reached,
            "estimate": latest - amb.target,
            "note": f"latest minus the {amb.year} target ({amb.per}); projection "
            f"to {amb.year} from the fitted trend; {amb.source}",
        }
    ]
