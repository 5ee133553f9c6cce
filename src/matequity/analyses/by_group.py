"""A measure by group (ethnic group, deprivation...) for one organisation:
rates with intervals, the ratio and excess events against a reference group,
and the best group with the events that would not have happened had every group
had its rate; all released under the policy.

Statistics: :mod:`matequity.stats.compare` (Katz log-Wald ratios, excess events
O - E at the reference rate; "best" = the known group with the best rate).
Disclosure: a ratio or excess figure is withheld with the rate it derives from
(the group's or the reference's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matequity.analyses.tables import rates
from matequity.disclosure.apply import apply_policy
from matequity.disclosure.policy import Policy
from matequity.measures import catalogue as cat
from matequity.stats.compare import compare, excess_totals
from matequity.vocabulary import UNKNOWN_GROUPS

RATIO_COLS = ("ratio", "ratio_lower_95", "ratio_upper_95", "excess_events")


@dataclass(frozen=True, kw_only=True)
class ByGroup:
    """One breakdown of one organisation's measures, released."""

    by: str
    reference: str
    #: rates by group with numerator/denominator, interval, ratio and excess events
    table: pd.DataFrame
    #: per measure: the best group, its rate's excess events and share (withheld
    #: when the events behind them are fewer than the policy's minimum)
    best: pd.DataFrame
    policy: str


def released_comparison(
    counts: pd.DataFrame,
    by: str,
    reference: str,
    policy: Policy,
    catalogue: cat.Catalogue = cat.CATALOGUE,
) -> pd.DataFrame:
    """Released rates by group with the comparison against ``reference``; ratios
    and excess events are withheld with the group's or the reference's rate."""
    r = rates(counts, catalogue)
    cmp_ = compare(counts[~counts[by].isin(UNKNOWN_GROUPS)], by, reference)
    keys = [c for c in ("period", by, "measure") if c in counts.columns]
    rel = apply_policy(r, policy, [by])
    rel = rel.merge(cmp_[[*keys, *RATIO_COLS]], on=keys, how="left")
    refs = rel.loc[rel[by] == reference, ["period", "measure", "value"]]
    rel = rel.merge(refs.rename(columns={"value": "_ref"}), on=["period", "measure"], how="left")
    hide = rel["value"].isna() | rel["_ref"].isna()
    rel.loc[hide, list(RATIO_COLS)] = np.nan
    return rel.drop(columns=["_ref"])


def best_group(counts: pd.DataFrame, by: str, policy: Policy) -> pd.DataFrame:
    """Per measure: the group with the best rate (``compare``'s 'best') and the
    events that would not have happened had every known group had its rate. The
    total is withheld when the events behind it are fewer than the policy's
    minimum for a rate."""
    known = counts[~counts[by].isin(UNKNOWN_GROUPS)]
    out = excess_totals(compare(known, by, "best"), ["measure"]).rename(
        columns={"reference": "best"}
    )
    out.loc[out["events"] < policy.min_numerator_for_rate, ["excess_events", "excess_share"]] = (
        np.nan
    )
    out.insert(0, "by", by)
    return out.drop(columns=["events"])


def by_group(
    counts: pd.DataFrame,
    by: str,
    reference: str,
    policy: Policy,
    catalogue: cat.Catalogue = cat.CATALOGUE,
) -> ByGroup:
    """``counts``: one organisation's count table by ``by`` (one period)."""
    return ByGroup(
        by=by,
        reference=reference,
        table=released_comparison(counts, by, reference, policy, catalogue),
        best=best_group(counts, by, policy),
        policy=policy.name,
    )


def largest_gaps(groups: Sequence[ByGroup], measures: Sequence[str]) -> pd.DataFrame:
    """For each breakdown and measure, the group with the largest released ratio
    to the reference (the headline gap): by, measure, group, reference, ratio,
    its interval, and whether the interval excludes no difference."""
    rows = []
    for g in groups:
        t = g.table
        for m in measures:
            part = t[(t["measure"] == m) & (t[g.by] != g.reference) & t["ratio"].notna()]
            part = part[~part[g.by].isin(UNKNOWN_GROUPS)]
            if part.empty:
                continue
            top = part.sort_values("ratio", ascending=False).iloc[0]
            rows.append(
                {
                    "by": g.by,
                    "measure": m,
                    "group": top[g.by],
                    "reference": g.reference,
                    "ratio": top["ratio"],
                    "ratio_lower_95": top["ratio_lower_95"],
                    "ratio_upper_95": top["ratio_upper_95"],
                    "clear": bool(top["ratio_lower_95"] > 1),
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "by",
            "measure",
            "group",
            "reference",
            "ratio",
            "ratio_lower_95",
            "ratio_upper_95",
            "clear",
        ],
    )
