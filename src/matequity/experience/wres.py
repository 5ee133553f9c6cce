"""The nine WRES indicators with intervals, the gap and its direction, and
whether the gap narrowed over the years.

Definitions: :mod:`matequity.experience.wres_indicators` (WRES technical
guidance). Methods (95% intervals):

* Each group's likelihood or percentage: numerator / denominator x 100 with the
  Wilson score interval (:func:`matequity.stats.intervals.wilson`).
* Relative likelihoods (2, 3, 4): (a/n1)/(c/n0) with the top group as the WRES
  defines it (White for 2 and 4, BME for 3) and the log-scale (Katz et al.
  1978) interval, SE = sqrt(1/a - 1/n1 + 1/c - 1/n0), as
  :func:`matequity.stats.compare.compare` computes it (vectorised here over
  the whole table). None when either count is 0.
* Staff Survey percentages (5-8): the gap is BME minus White in percentage
  points with Newcombe's hybrid score interval (method 10, as ``compare``).
* Representation (1, 9): the BME share of the band or of the board with its
  Wilson interval, minus the BME share of the whole workforce, which is taken as
  the fixed benchmark (it is the census of the organisation's staff); the gap's
  interval is the band's Wilson interval shifted by the workforce share.
* Indicator 3 uses the current and the previous period together (the
  guidance's two-year rolling average: the ratio of the two-year sums equals
  the ratio of the averages) when the previous period is in the table; the
  ``basis`` column says which years were used.

Whether a gap narrowed: :mod:`matequity.experience.change`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from matequity.experience.change import change_test, se_from_interval, trend_test
from matequity.experience.table import period_time
from matequity.experience.wres_indicators import BME, INDICATORS, WHITE
from matequity.stats.intervals import wilson, z_value

FRAME = ["org_code", "period", "indicator", "staff_group", "band"]
UNITS = {
    "relative_likelihood": "relative likelihood",
    "percentage": "percentage points, BME minus White",
    "representation": "percentage points, BME share minus the workforce's",
}


def _pct(x, n) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, n = np.asarray(x, float), np.asarray(n, float)
    lo, hi = wilson(x, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(n > 0, x / n, np.nan)
    return v * 100, lo * 100, hi * 100


def _rolling_disciplinary(df: pd.DataFrame) -> pd.DataFrame:
    """Indicator 3 rows over the period and the one before it, where present."""
    three = df[df["indicator"] == 3].copy()
    if three.empty:
        return three.assign(basis=pd.Series(dtype=str))
    three["_t"] = three["period"].map(period_time)
    keys = ["org_code", "staff_group", "band", "group"]
    prev = three[[*keys, "_t", "period", "numerator", "denominator"]].copy()
    prev["_t"] = prev["_t"] + 1
    m = three.merge(prev, on=[*keys, "_t"], how="left", suffixes=("", "_prev"))
    has = m["numerator_prev"].notna()
    m.loc[has, "numerator"] = m.loc[has, "numerator"] + m.loc[has, "numerator_prev"]
    m.loc[has, "denominator"] = m.loc[has, "denominator"] + m.loc[has, "denominator_prev"]
    m["basis"] = np.where(
        has, "two-year rolling: " + m["period_prev"].astype(str) + " and " + m["period"], "one year"
    )
    return m.drop(columns=["_t", "numerator_prev", "denominator_prev", "period_prev"])


def _wide(df: pd.DataFrame) -> pd.DataFrame:
    keep = [c for c in ("org_name",) if c in df.columns]
    out = None
    for g, pre in ((WHITE, "white"), (BME, "bme")):
        part = df[df["group"] == g][[*FRAME, *keep, "numerator", "denominator"]].rename(
            columns={"numerator": f"{pre}_numerator", "denominator": f"{pre}_denominator"}
        )
        out = part if out is None else out.merge(part.drop(columns=keep), on=FRAME, how="outer")
    return out


def _estimates(wide: pd.DataFrame) -> pd.DataFrame:
    """Indicators 2-4: the relative likelihood, top group over the other, with
    the log-scale (Katz) interval; 5-8: BME minus White in percentage points with
    Newcombe's hybrid score interval (the formulas of
    :func:`matequity.stats.compare.compare`, vectorised over the whole table)."""
    out = wide[FRAME].copy()
    w_x, w_n = wide["white_numerator"].to_numpy(float), wide["white_denominator"].to_numpy(float)
    b_x, b_n = wide["bme_numerator"].to_numpy(float), wide["bme_denominator"].to_numpy(float)
    ind = wide["indicator"].to_numpy(int)
    top_white = np.isin(ind, [2, 4])
    a, n1 = np.where(top_white, w_x, b_x), np.where(top_white, w_n, b_n)
    c, n0 = np.where(top_white, b_x, w_x), np.where(top_white, b_n, w_n)
    est = np.full(len(wide), np.nan)
    lo, hi = est.copy(), est.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        rl = (a / n1) / (c / n0)
        se = np.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n0)
        ok = np.isin(ind, [2, 3, 4]) & (a > 0) & (c > 0) & (n1 > 0) & (n0 > 0)
        est = np.where(ok, rl, est)
        lo = np.where(ok, rl * np.exp(-z_value(0.95) * se), lo)
        hi = np.where(ok, rl * np.exp(z_value(0.95) * se), hi)
        p1, p0 = b_x / b_n, w_x / w_n
        l1, u1 = wilson(b_x, b_n)
        l0, u0 = wilson(w_x, w_n)
        d = p1 - p0
        pct = (ind >= 5) & (ind <= 8) & (b_n > 0) & (w_n > 0)
        est = np.where(pct, 100 * d, est)
        lo = np.where(pct, 100 * (d - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)), lo)
        hi = np.where(pct, 100 * (d + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)), hi)
    out["estimate"], out["estimate_lower_95"], out["estimate_upper_95"] = est, lo, hi
    return out


def _workforce_share(df: pd.DataFrame) -> pd.DataFrame:
    """The BME share of the whole workforce per organisation and period: indicator
    1's 'All' band (staff group All), else indicator 9's Workforce row."""
    bme = df[df["group"] == BME]
    one = bme[(bme["indicator"] == 1) & (bme["band"] == "All") & (bme["staff_group"] == "All")]
    nine = bme[(bme["indicator"] == 9) & (bme["band"] == "Workforce")]
    out = {}
    for src in (nine, one):  # indicator 1 wins where both are given
        for _, r in src.iterrows():
            if r["denominator"] > 0:
                out[(r["org_code"], r["period"])] = 100 * r["numerator"] / r["denominator"]
    return pd.DataFrame(
        [{"org_code": k[0], "period": k[1], "benchmark_value": v} for k, v in out.items()],
        columns=["org_code", "period", "benchmark_value"],
    )


def _favours(row) -> str:
    ind = INDICATORS[int(row["indicator"])]
    e = row["estimate"]
    if not np.isfinite(e):
        return ""
    if ind.kind == "relative_likelihood":
        if e == 1:
            return "neither"
        other = BME if ind.top == WHITE else WHITE
        return ind.top if (e > 1) == bool(ind.higher_is_better) else other
    if ind.kind == "percentage":
        if e == 0:
            return "neither"
        bme_better = (e > 0) == bool(ind.higher_is_better)
        return BME if bme_better else WHITE
    return ""


def _reading(row) -> str:
    ind = INDICATORS[int(row["indicator"])]
    e = row["estimate"]
    if not np.isfinite(e):
        return "not computed: " + row.get("note", "")
    clear = "" if row["clear"] else " (the interval includes no difference)"
    if ind.kind == "relative_likelihood":
        top = "White" if ind.top == WHITE else "BME"
        other = "BME" if ind.top == WHITE else "White"
        what = {
            2: "applicants to be appointed from shortlisting",
            3: "staff to enter the formal disciplinary process",
            4: "staff to access non-mandatory training and CPD",
        }[ind.number]
        return f"{top} {what} {e:.2f} times as likely as {other}{clear}"
    if ind.kind == "percentage":
        word = "higher" if e > 0 else "lower"
        return f"BME {abs(e):.1f} percentage points {word} than White{clear}"
    if row["band"] in ("All", "Workforce"):
        return f"BME share of the workforce {e:.1f}%"
    place = "the board" if ind.number == 9 else "the band"
    word = "above" if e > 0 else "below"
    return f"BME share of {place} {abs(e):.1f} percentage points {word} the workforce's{clear}"


def wres_indicators(df: pd.DataFrame, rolling_disciplinary: bool = True) -> pd.DataFrame:
    """One row per organisation, period, indicator, staff group and band: each
    group's counts and percentage (Wilson), the indicator's estimate with its
    interval, its unit, which group it favours, a plain reading, the gap on its
    test scale (``gap``: log relative likelihood or percentage points) with
    ``gap_se``, the method and the source. ``df``: a table from
    :func:`matequity.experience.wres_format.read_wres`. The workforce rows
    (indicator 1 band All, indicator 9 Workforce) give the BME share of the
    workforce as their estimate and no gap."""
    three = (
        _rolling_disciplinary(df)
        if rolling_disciplinary
        else df[df["indicator"] == 3].assign(basis="one year")
    )
    d = pd.concat([df[df["indicator"] != 3].assign(basis="one year"), three], ignore_index=True)
    wide = _wide(d)
    basis = d.drop_duplicates(FRAME).set_index(FRAME)["basis"]
    wide = wide.join(basis, on=FRAME)
    for pre in ("white", "bme"):
        v, lo, hi = _pct(wide[f"{pre}_numerator"], wide[f"{pre}_denominator"])
        wide[f"{pre}_value"], wide[f"{pre}_lower_95"], wide[f"{pre}_upper_95"] = v, lo, hi
    wide = wide.merge(_estimates(wide), on=FRAME, how="left")
    wide = wide.merge(_workforce_share(d), on=["org_code", "period"], how="left")
    for c in ("estimate", "estimate_lower_95", "estimate_upper_95", "benchmark_value"):
        wide[c] = pd.to_numeric(wide.get(c, np.nan), errors="coerce").astype(float)
    kind = wide["indicator"].map(lambda i: INDICATORS[i].kind)
    rep = (kind == "representation") & ~(
        ((wide["indicator"] == 1) & (wide["band"] == "All"))
        | ((wide["indicator"] == 9) & (wide["band"] == "Workforce"))
    )
    wide.loc[kind != "representation", "benchmark_value"] = np.nan
    wide.loc[rep, "estimate"] = wide.loc[rep, "bme_value"] - wide.loc[rep, "benchmark_value"]
    wide.loc[rep, "estimate_lower_95"] = (
        wide.loc[rep, "bme_lower_95"] - wide.loc[rep, "benchmark_value"]
    )
    wide.loc[rep, "estimate_upper_95"] = (
        wide.loc[rep, "bme_upper_95"] - wide.loc[rep, "benchmark_value"]
    )
    bench = (kind == "representation") & ~rep
    for a, b in (("", "value"), ("_lower_95", "lower_95"), ("_upper_95", "upper_95")):
        wide.loc[bench, f"estimate{a}"] = wide.loc[bench, f"bme_{b}"]
    is_rl = kind == "relative_likelihood"
    null = np.where(is_rl, 1.0, 0.0)
    wide["clear"] = (wide["estimate_lower_95"] > null) | (wide["estimate_upper_95"] < null)
    with np.errstate(divide="ignore", invalid="ignore"):
        wide["gap"] = np.where(is_rl, np.log(wide["estimate"]), wide["estimate"])
    wide.loc[bench, ["gap", "clear"]] = [np.nan, False]
    se_log = se_from_interval(wide["estimate_lower_95"], wide["estimate_upper_95"], log=True)
    se_lin = se_from_interval(wide["estimate_lower_95"], wide["estimate_upper_95"])
    wide["gap_se"] = np.where(is_rl, se_log, se_lin)
    wide.loc[bench, "gap_se"] = np.nan
    wide["note"] = _notes(wide, kind)
    wide["title"] = wide["indicator"].map(lambda i: INDICATORS[i].title)
    wide["kind"] = kind
    wide["estimate_unit"] = kind.map(UNITS)
    wide.loc[(kind == "representation") & ~rep, "estimate_unit"] = "BME share of the workforce (%)"
    wide["favours"] = wide.apply(_favours, axis=1)
    wide["reading"] = wide.apply(_reading, axis=1)
    wide["method"] = kind.map(
        {
            "relative_likelihood": "group likelihoods: Wilson; relative likelihood: log-scale "
            "(Katz) interval",
            "percentage": "group percentages: Wilson; BME minus White: Newcombe hybrid score",
            "representation": "BME share: Wilson; the workforce share is the fixed benchmark",
        }
    )
    wide["source"] = wide["indicator"].map(lambda i: INDICATORS[i].source)
    cols = [
        "org_code",
        *(["org_name"] if "org_name" in wide.columns else []),
        "period",
        "indicator",
        "title",
        "staff_group",
        "band",
        "kind",
        "white_numerator",
        "white_denominator",
        "white_value",
        "white_lower_95",
        "white_upper_95",
        "bme_numerator",
        "bme_denominator",
        "bme_value",
        "bme_lower_95",
        "bme_upper_95",
        "benchmark_value",
        "estimate",
        "estimate_lower_95",
        "estimate_upper_95",
        "estimate_unit",
        "clear",
        "favours",
        "reading",
        "gap",
        "gap_se",
        "basis",
        "note",
        "method",
        "source",
    ]
    out = wide[cols].sort_values(["org_code", "indicator", "staff_group", "band", "period"])
    return out.reset_index(drop=True)


def _notes(w: pd.DataFrame, kind: pd.Series) -> list[str]:
    notes = []
    for (_, r), k in zip(w.iterrows(), kind, strict=True):
        if k == "representation":
            if pd.isna(r["bme_denominator"]):
                notes.append("no BME row")
            elif pd.isna(r["benchmark_value"]) and r["band"] not in ("All", "Workforce"):
                notes.append("no workforce share (indicator 1 band All, or 9 Workforce)")
            else:
                notes.append("")
            continue
        if pd.isna(r["white_denominator"]) or pd.isna(r["bme_denominator"]):
            notes.append("needs both a White and a BME row")
        elif k == "relative_likelihood" and (r["white_numerator"] == 0 or r["bme_numerator"] == 0):
            notes.append("a group has no events: no relative likelihood")
        else:
            notes.append("")
    return notes


def wres_trend(df: pd.DataFrame) -> pd.DataFrame:
    """Per organisation, indicator, staff group and band: the periods, the first
    and last estimate, the change test (first vs last) and the weighted trend
    of the gap, each read as narrowed / widened / no clear change
    (:mod:`matequity.experience.change`). ``df``: the checked input table.
    Indicator 3 is taken year by year here: two-year rolling windows overlap,
    and overlapping windows are not independent samples."""
    results = wres_indicators(df, rolling_disciplinary=False)
    rows = []
    keys = ["org_code", "indicator", "staff_group", "band"]
    r = results[np.isfinite(results["gap"].astype(float))].copy()
    r["_t"] = r["period"].map(period_time)
    for kv, part in r.groupby(keys, sort=True):
        part = part.sort_values("_t")
        if len(part) < 2:
            continue
        a, b = part.iloc[0], part.iloc[-1]
        row = dict(zip(keys, kv, strict=True))
        row.update(
            title=a["title"],
            periods=len(part),
            first_period=a["period"],
            last_period=b["period"],
            first_estimate=a["estimate"],
            last_estimate=b["estimate"],
            estimate_unit=a["estimate_unit"],
            scale="log relative likelihood" if a["kind"] == "relative_likelihood" else "points",
        )
        row.update(change_test(a["gap"], a["gap_se"], b["gap"], b["gap_se"]))
        row.update(trend_test(part["_t"], part["gap"], part["gap_se"]))
        rows.append(row)
    cols = [
        *keys,
        "title",
        "periods",
        "first_period",
        "last_period",
        "first_estimate",
        "last_estimate",
        "estimate_unit",
        "scale",
        "change",
        "change_se",
        "change_p",
        "change_reading",
        "slope",
        "slope_se",
        "slope_p",
        "trend_reading",
    ]
    return pd.DataFrame(rows, columns=cols)
