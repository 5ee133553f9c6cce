"""Inequality summaries on a count table: one block of results per comparison.

Group values come from the counts: y = numerator / denominator x multiplier,
with standard errors sqrt(p(1-p)/n) for proportions and sqrt(O)/n for rates (x
multiplier). Unknown groups (Not known, Not stated, Missing, All) are left out:
a summary of inequality needs the group's position. Ordered dimensions take the
group's order from its leading number ('1 (most deprived)' = 1).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from matequity.errors import UserError
from matequity.stats.frames import UNKNOWN_GROUPS, frame_columns, iter_frames, measure_settings
from matequity.stats.inequality import common, ordered, unordered
from matequity.stats.inequality.result import Summary
from matequity.stats.intervals import poisson_count_limits, wilson

RESULT_COLUMNS = [
    "summary_measure",
    "estimate",
    "se",
    "lower_95",
    "upper_95",
    "method",
    "reference",
    "groups",
]


def order_of(label: str) -> int:
    m = re.match(r"\s*(\d+)", str(label))
    if not m:
        raise UserError(f"ordered dimension: group '{label}' has no leading number to order it by")
    return int(m.group(1))


def _phe_se(o: np.ndarray, n: np.ndarray, proportion: bool) -> np.ndarray:
    """PHE's simulation scale SE from the 95% limits: log (rates) or logit."""
    if proportion:
        lo, hi = wilson(o, n, 0.95)
        return (np.log(hi / (1 - hi)) - np.log(lo / (1 - lo))) / (2 * 1.959964)
    lo, hi, _m = poisson_count_limits(o, 0.95)
    return (np.log(hi) - np.log(lo)) / (2 * 1.959964)


def summarise(
    part: pd.DataFrame,
    by: str,
    ordered_dim: bool,
    stat: str,
    mult: float,
    higher_is_better: bool,
    reference: str | None,
    seed: int,
    repetitions: int,
) -> list[Summary]:
    g = part[~part[by].astype(str).isin(UNKNOWN_GROUPS)].copy()
    g = g[g["denominator"] > 0]
    if len(g) < 2 or g["numerator"].sum() == 0:
        return []  # no events: nothing to summarise
    if ordered_dim:
        g["_order"] = g[by].map(order_of)
        g = g.sort_values("_order")
    o = g["numerator"].to_numpy(float)
    n = g["denominator"].to_numpy(float)
    prop = stat == "proportion"
    pr = o / n
    y = pr * mult
    se = (np.sqrt(pr * (1 - pr) / n) if prop else np.sqrt(o) / n) * mult
    labels = g[by].astype(str).tolist()
    mu = float(np.sum(n / n.sum() * y))
    out: list[Summary] = []
    if ordered_dim:
        first, last = 0, len(y) - 1
        i1, i2 = (last, first) if higher_is_better else (first, last)
        d, r = common.difference_ratio(
            y[i1], se[i1], y[i2], se[i2], f"{labels[i1]} vs {labels[i2]}"
        )
        out += [d, r]
        if len(y) >= 3:
            if np.all(o > 0) and np.all(o < n):
                s, ri, _ = ordered.phe_sii(
                    y,
                    n,
                    _phe_se(o, n, prop),
                    "proportion" if prop else "rate",
                    repetitions=repetitions,
                    seed=seed,
                )
                out += [s, ri]
                s_w, r_w = ordered.who_sii_rii(o, n, mult)
                out += [s_w, r_w]
            aci, rci = ordered.concentration(y, n)
            out += [aci, rci]
        ref_i = last
    else:
        best = int(np.argmax(y) if higher_is_better else np.argmin(y))
        ref_i = labels.index(reference) if reference in labels else None
        hi_i, lo_i = int(np.argmax(y)), int(np.argmin(y))
        d, r = common.difference_ratio(
            y[hi_i], se[hi_i], y[lo_i], se[lo_i], f"{labels[hi_i]} vs {labels[lo_i]}"
        )
        out += [d, r]
        if len(y) >= 3:
            out += unordered.unordered(
                y, se, n, higher_is_better, ref_i, upper_bound=mult if prop else None, seed=seed
            )
        ref_i = ref_i if ref_i is not None else best
    paf, par = common.paf_par(
        y[ref_i], n[ref_i], mu, n.sum(), mult, higher_is_better, labels[ref_i]
    )
    out += [paf, par]
    return out


def inequality(
    df: pd.DataFrame,
    by: str,
    ordered_dim: bool,
    reference: str | None = None,
    statistic: str | None = None,
    multiplier: float | None = None,
    higher_is_better: bool | None = None,
    seed: int = 1,
    repetitions: int = 20_000,
) -> pd.DataFrame:
    keys = frame_columns(df, by)
    stat, mult, better = measure_settings(df, statistic, multiplier, higher_is_better)
    t = df.assign(_stat=stat, _mult=mult, _better=better)
    rows = []
    for kv, part in iter_frames(t, keys):
        res = summarise(
            part,
            by,
            ordered_dim,
            str(part["_stat"].iloc[0]),
            float(part["_mult"].iloc[0]),
            bool(part["_better"].iloc[0]),
            reference,
            seed,
            repetitions,
        )
        known = part[~part[by].astype(str).isin(UNKNOWN_GROUPS)]
        for s in res:
            rows.append(
                {
                    **kv,
                    "summary_measure": s.measure,
                    "estimate": s.estimate,
                    "se": s.se,
                    "lower_95": s.lower,
                    "upper_95": s.upper,
                    "method": s.method,
                    "reference": s.reference,
                    "groups": len(known),
                }
            )
    return pd.DataFrame(rows, columns=[*keys, *RESULT_COLUMNS])
