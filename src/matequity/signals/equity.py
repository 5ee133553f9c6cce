"""Equity signals: the MOSS machinery on one group's events (matequity's own
method, not part of MOSS).

For a group g (e.g. babies of Black mothers, or the most deprived IMD quintile)
at LMNS or national level, month t:

    expected_gt = births_gt x others_rate_t x RR_g

where others_rate_t is the rate among all other babies (everyone not in g) in
the same month, so that a change affecting everyone does not signal, and RR_g
is the group's rate ratio against the others over the three calendar years
before (the gap as it was). The
chart is a zero-start Poisson CUSUM with MOSS's thresholds for a rise of the
group's rate by ``multiple`` relative to that expectation, i.e. the gap widening
by that factor; reset after a level-2 signal, as MOSS.

Input: a count table with ``org_code, group, month, events, births`` (one
group column of any name); the ``All`` rows (or the sum over groups when absent)
give the overall rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from matequity.errors import UserError
from matequity.signals.moss import REFERENCE_YEARS, run_chart
from matequity.signals.thresholds import moss_thresholds

DEFAULT_MULTIPLE = 1.5
OUTPUT = (
    "org_code", "group", "month", "events", "births", "rate_ratio_baseline", "expected",
    "k", "h1", "h2", "cusum", "level", "reset",
)  # fmt: skip


def equity_signals(
    table: pd.DataFrame,
    group: str,
    multiple: float = DEFAULT_MULTIPLE,
    unknown: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    for c in ("org_code", group, "month", "events", "births"):
        if c not in table.columns:
            raise UserError(f"missing column '{c}'")
    if multiple <= 1:
        raise UserError("--multiple must be above 1 (the rise in the gap to detect)")
    t = table.copy()
    t["org_code"] = t["org_code"].astype(str)
    t["_p"] = pd.PeriodIndex(t["month"].astype(str), freq="M")
    t["_y"] = t["_p"].dt.year
    groups = t[t[group] != "All"]
    overall = (
        (t[t[group] == "All"] if (t[group] == "All").any() else groups)
        .groupby(["org_code", "_p"])[["events", "births"]]
        .sum()
    )
    o = overall.reset_index()
    yearly_all = (
        o.assign(_y=o["_p"].dt.year).groupby(["org_code", "_y"])[["events", "births"]].sum()
    )
    g = groups[~groups[group].isin(unknown)].copy()
    yearly_g = g.groupby(["org_code", group, "_y"])[["events", "births"]].sum()
    out = []
    for (org, grp), part in g.groupby(["org_code", group], sort=True):
        part = part.sort_values("_p").copy()
        rr = {}
        for y in sorted(part["_y"].unique()):
            window = [y - i for i in range(1, REFERENCE_YEARS + 1)]
            try:
                ge = yearly_g.loc[[(org, grp, w) for w in window]].sum()
                ae = yearly_all.loc[[(org, w) for w in window]].sum() - ge
            except KeyError:
                continue
            if ge["births"] > 0 and ae["events"] > 0:
                rr[y] = (ge["events"] / ge["births"]) / (ae["events"] / ae["births"])
        part["rate_ratio_baseline"] = part["_y"].map(rr)
        all_t = overall.reindex(list(zip([org] * len(part), part["_p"], strict=True)))
        oe = all_t["events"].to_numpy(float) - part["events"].to_numpy(float)
        ob = all_t["births"].to_numpy(float) - part["births"].to_numpy(float)
        rate_t = pd.Series(np.where(ob > 0, oe / np.where(ob > 0, ob, 1), np.nan))
        part["expected"] = (
            part["births"].to_numpy(float)
            * rate_t.to_numpy()
            * part["rate_ratio_baseline"].to_numpy(float)
        )
        ks, ds, h1s, h2s = [], [], [], []
        for e in part["expected"]:
            if np.isfinite(e) and round(e, 2) > 0:
                th = moss_thresholds(float(e), multiple)
                ks.append(th.k), ds.append(th.d), h1s.append(th.h1), h2s.append(th.h2)
            else:
                ks.append(np.nan), ds.append(np.nan), h1s.append(np.nan), h2s.append(np.nan)
        part["k"], part["d"], part["h1"], part["h2"] = ks, ds, h1s, h2s
        s, lv, rs = run_chart(
            part["events"].to_numpy(float),
            np.array(ks),
            np.array(ds),
            np.array(h1s),
            np.array(h2s),
        )
        part["cusum"], part["level"], part["reset"] = s, lv, rs
        part.loc[part["k"].isna(), "level"] = pd.NA
        part["group"] = grp
        out.append(part)
    if not out:
        raise UserError("no group has three earlier years to set its baseline gap")
    res = pd.concat(out, ignore_index=True)
    res["level"] = res["level"].astype("Int64")
    return res[list(OUTPUT)]
