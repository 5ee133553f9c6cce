"""Each group against a reference group: rate ratio, rate difference, excess events.

The reference is a named group (e.g. White, or IMD decile 10) or "best": the
group with the best rate (lowest, or highest where higher is better) among known
groups with at least ``min_events`` events. The NHS equity aim is that every
group does as well as the groups with the best outcomes.

Methods (95% intervals):

* Ratio of proportions: log-scale Wald (Katz et al. 1978, Biometrics 34:469),
  SE(ln RR) = sqrt(1/a - 1/n1 + 1/c - 1/n0).
* Ratio of Poisson rates: log-scale Wald, SE(ln RR) = sqrt(1/a + 1/c)
  (Rothman, Modern Epidemiology).
* Difference of proportions: Newcombe's hybrid score interval from the two
  Wilson intervals (Newcombe 1998, Stat Med 17:873, method 10).
* Difference of Poisson rates: Wald, SE = sqrt(a/n1^2 + c/n0^2).
* Excess events: observed minus expected at the reference rate,
  O - n x (O_ref / n_ref); their share of all events in the comparison.

Ratios are not given when either count is zero (the log-scale interval does not
exist); differences are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from matequity.errors import UserError
from matequity.stats.frames import UNKNOWN_GROUPS, frame_columns, iter_frames, measure_settings
from matequity.stats.intervals import wilson, z_value


def pick_reference(
    part: pd.DataFrame, by: str, reference: str, min_events: int, higher_is_better: bool
) -> str | None:
    groups = part[by].astype(str)
    if reference != "best":
        return reference if (groups == reference).any() else None
    known = part[
        ~groups.isin(UNKNOWN_GROUPS) & (part["numerator"] >= min_events) & (part["denominator"] > 0)
    ]
    if known.empty:
        return None
    rate = known["numerator"] / known["denominator"]
    return str(known.loc[rate.idxmax() if higher_is_better else rate.idxmin(), by])


def compare(
    df: pd.DataFrame,
    by: str,
    reference: str = "best",
    min_events: int = 10,
    statistic: str | None = None,
    multiplier: float | None = None,
    higher_is_better: bool | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Input columns kept; adds reference, value, ref_value, ratio (+ limits),
    difference (+ limits), expected_at_reference, excess_events, excess_share,
    method."""
    keys = frame_columns(df, by)
    stat, mult, better = measure_settings(df, statistic, multiplier, higher_is_better)
    t = df.copy()
    t["_stat"], t["_mult"], t["_better"] = stat, mult, better
    parts = []
    for _kv, part in iter_frames(t, keys):
        part = part.copy()
        ref = pick_reference(part, by, reference, min_events, bool(part["_better"].iloc[0]))
        if ref is None and reference != "best":
            raise UserError(f"reference group '{reference}' is not in column '{by}'")
        part["reference"] = ref
        if ref is None:
            parts.append(part)
            continue
        r = part[part[by].astype(str) == ref].iloc[0]
        a, n1 = part["numerator"].astype(float), part["denominator"].astype(float)
        # numpy scalars: a reference with no events gives inf/NaN, not ZeroDivisionError
        c, n0 = np.float64(r["numerator"]), np.float64(r["denominator"])
        is_prop = (part["_stat"] == "proportion").to_numpy()
        stats = pair_statistics(
            a.to_numpy(), n1.to_numpy(), c, n0, is_prop, part["_mult"].to_numpy(), confidence
        )
        for col, v in stats.items():
            part[col] = v
        total = a.sum()
        part["excess_share"] = part["excess_events"] / total if total > 0 else np.nan
        part.loc[part[by].astype(str) == ref, ["excess_events", "excess_share"]] = 0.0
        part["method"] = np.where(
            is_prop,
            "ratio: log Wald (Katz); difference: Newcombe hybrid score",
            "ratio: log Wald (Poisson); difference: Wald (Poisson)",
        )
        parts.append(part)
    if not parts:  # no rows: the columns, and nothing in them
        results = ["reference", *RESULTS, "excess_share", "method"]
        return pd.DataFrame(columns=list(dict.fromkeys([*df.columns, *results])))
    out = pd.concat(parts, ignore_index=True)
    return out.drop(columns=["_stat", "_mult", "_better"])


#: the columns of :func:`pair_statistics`, in order
RESULTS = (
    "value",
    "ref_value",
    "ratio",
    "ratio_lower_95",
    "ratio_upper_95",
    "difference",
    "difference_lower_95",
    "difference_upper_95",
    "expected_at_reference",
    "excess_events",
)


def pair_statistics(
    a: np.ndarray,
    n1: np.ndarray,
    c: float | np.ndarray,
    n0: float | np.ndarray,
    is_prop: np.ndarray,
    m: np.ndarray,
    confidence: float = 0.95,
) -> dict[str, np.ndarray]:
    """Group (a events of n1) against reference (c of n0), elementwise: value,
    ref_value, ratio and limits, difference and limits, expected events at the
    reference rate and excess events (the formulas in the module docstring)."""
    a, n1 = np.asarray(a, dtype=float), np.asarray(n1, dtype=float)
    c = np.broadcast_to(np.asarray(c, dtype=float), a.shape)
    n0 = np.broadcast_to(np.asarray(n0, dtype=float), a.shape)
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p0 = a / n1, c / n0
        rr = p1 / p0
        se_log = np.where(is_prop, np.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n0), np.sqrt(1 / a + 1 / c))
        ok = (a > 0) & (c > 0)
        d = p1 - p0
        l1, u1 = wilson(a, n1, confidence)
        l0, u0 = wilson(c, n0, confidence)
        newc_lo = d - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
        newc_hi = d + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
        se_d = np.sqrt(a / n1**2 + c / n0**2)
        expected = n1 * p0
        return {
            "value": p1 * m,
            "ref_value": p0 * m,
            "ratio": np.where(ok, rr, np.nan),
            "ratio_lower_95": np.where(ok, rr * np.exp(-z * se_log), np.nan),
            "ratio_upper_95": np.where(ok, rr * np.exp(z * se_log), np.nan),
            "difference": d * m,
            "difference_lower_95": np.where(is_prop, newc_lo, d - z * se_d) * m,
            "difference_upper_95": np.where(is_prop, newc_hi, d + z * se_d) * m,
            "expected_at_reference": expected,
            "excess_events": a - expected,
        }


def excess_totals(compared: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per comparison (``keys``): the reference group, the excess events summed
    over its groups (the events that would not have happened had every group had
    the reference's rate), the events and the excess as a share of them."""
    done = compared[compared["reference"].notna()]
    out = done.groupby(keys, as_index=False, sort=False).agg(
        reference=("reference", "first"),
        excess_events=("excess_events", "sum"),
        events=("numerator", "sum"),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["excess_share"] = out["excess_events"] / out["events"]
    return out
