"""Statistics on families' experience.

* CQC maternity survey (trust results): each question's score (0-10) against
  the trust's expected range: CQC's own band when given, else "Better than
  expected" above the range, "Worse than expected" below it, "About the same"
  within it; the change in score since the trust's previous survey. CQC
  publishes no counts per question, so no interval is computed here: the
  expected range is CQC's. CQC analyses ethnicity only nationally (subgroup
  analysis): :func:`cqc_national_gaps` gives each group's national score and its
  gap to the best group, and every output says that no local breakdown exists.
* Friends and Family Test (maternity): the percentage of positive responses
  with its Wilson interval by trust, touchpoint and month; the trend over the
  months (:func:`matequity.stats.trend.trend`: log-linear, robust errors,
  annual percentage change). The FFT is not collected by ethnic group.
* A trust's own survey or complaints by ethnic group (a count table): each
  group's percentage with its Wilson interval (:func:`matequity.stats.rates.add_rates`),
  the gap to the best group (:func:`matequity.stats.compare.compare`,
  reference "best": ratio with the Katz interval, difference with Newcombe's)
  and each group's trend and gap trend against that best group
  (:func:`matequity.stats.trend.trend`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from matequity.experience.table import MONTH, YEAR
from matequity.stats.compare import compare
from matequity.stats.frames import UNKNOWN_GROUPS
from matequity.stats.rates import add_rates
from matequity.stats.trend import trend

CQC_ETHNICITY_NOTE = (
    "CQC reports the maternity survey by ethnic group only as national subgroup "
    "analysis; there is no breakdown by ethnic group for a single trust"
)
FFT_ETHNICITY_NOTE = "the Friends and Family Test is not collected by ethnic group"
CQC_SOURCE = "Care Quality Commission, NHS Patient Survey Programme: Maternity survey"
FFT_SOURCE = "NHS England, Friends and Family Test data (maternity services)"


def _derived_band(score: float, lo: float, hi: float) -> str:
    if score > hi:
        return "Better than expected"
    if score < lo:
        return "Worse than expected"
    return "About the same"


def cqc_results(survey: pd.DataFrame) -> pd.DataFrame:
    """One row per trust, period and question: score, expected range, band and
    where it came from, change since the previous period, the ethnicity note."""
    out = survey.copy()
    derived = [
        _derived_band(s, lo, hi)
        for s, lo, hi in zip(
            out["score"], out["expected_lower"], out["expected_upper"], strict=True
        )
    ]
    if "band" in out.columns:
        given = out["band"].astype(str).str.strip()
    else:
        given = pd.Series("", index=out.index)
    out["band"] = np.where(given != "", given, derived)
    out["band_source"] = np.where(given != "", "CQC", "derived from the expected range")
    out["_t"] = out["period"].map(lambda s: float(str(s)[:4]))
    out = out.sort_values(["org_code", "question_id", "_t"])
    prev = out.groupby(["org_code", "question_id"])["score"].shift(1)
    prev_p = out.groupby(["org_code", "question_id"])["period"].shift(1)
    out["previous_period"] = prev_p
    out["change_since_previous"] = out["score"] - prev
    out["ethnicity_note"] = CQC_ETHNICITY_NOTE
    out["source"] = CQC_SOURCE
    return out.drop(columns=["_t"]).reset_index(drop=True)


def cqc_summary(results: pd.DataFrame) -> pd.DataFrame:
    """Per trust and period: how many questions fell in each band."""
    t = results.assign(
        better=results["band"].str.contains("better", case=False),
        worse=results["band"].str.contains("worse", case=False),
    )
    g = t.groupby(["org_code", "period"], as_index=False).agg(
        questions=("question_id", "count"),
        better_than_expected=("better", "sum"),
        worse_than_expected=("worse", "sum"),
    )
    g["about_the_same"] = g["questions"] - g["better_than_expected"] - g["worse_than_expected"]
    g["ethnicity_note"] = CQC_ETHNICITY_NOTE
    return g


def cqc_national_gaps(national: pd.DataFrame) -> pd.DataFrame:
    """Each ethnic group's national score per question and its gap to the best
    (highest-scoring) known group, in points out of 10."""
    out = national.copy()
    known = ~out["ethnic_group"].isin(UNKNOWN_GROUPS)
    best = (
        out[known]
        .sort_values("score", ascending=False)
        .groupby(["period", "question_id"], as_index=False)
        .first()[["period", "question_id", "ethnic_group", "score"]]
        .rename(columns={"ethnic_group": "best_group", "score": "best_score"})
    )
    out = out.merge(best, on=["period", "question_id"], how="left")
    out["gap_to_best"] = out["score"] - out["best_score"]
    out.insert(0, "level", "England")
    out["ethnicity_note"] = CQC_ETHNICITY_NOTE
    out["source"] = CQC_SOURCE + " (national subgroup analysis)"
    return out


def fft_results(fft: pd.DataFrame) -> pd.DataFrame:
    """Percentage positive with Wilson 95% limits per trust, touchpoint and month."""
    t = fft.rename(columns={"positive": "numerator", "responses": "denominator"})
    out = add_rates(t, "proportion", 100.0).rename(
        columns={"numerator": "positive", "denominator": "responses"}
    )
    out["ethnicity_note"] = FFT_ETHNICITY_NOTE
    out["source"] = FFT_SOURCE
    return out


def fft_trend(fft: pd.DataFrame) -> pd.DataFrame:
    """Annual percentage change in the positive share per trust and touchpoint
    (at least three months with responses)."""
    t = fft.rename(columns={"positive": "numerator", "responses": "denominator"})
    t = t[["org_code", "touchpoint", "period", "numerator", "denominator"]]
    out = trend(t, "period", statistic="proportion", multiplier=100)
    out = out[out["result"] == "trend"].drop(columns=["series", "reference"], errors="ignore")
    out["ethnicity_note"] = FFT_ETHNICITY_NOTE
    return out.reset_index(drop=True)


def _trend_label(period: str) -> str:
    s = str(period)
    return s if (MONTH.match(s) or (YEAR.match(s) and len(s) == 4)) else s[:4]


def family_counts_results(
    counts: pd.DataFrame, higher_is_better: bool = True, min_events: int = 10
) -> pd.DataFrame:
    """Each group's percentage (Wilson) and its gap to the best group per
    organisation, period and measure (``compare``, reference 'best')."""
    t = counts[["org_code", "period", "measure", "ethnic_group", "numerator", "denominator"]]
    rated = add_rates(t, "proportion", 100.0)
    cmp_ = compare(
        t,
        by="ethnic_group",
        reference="best",
        min_events=min_events,
        statistic="proportion",
        multiplier=100,
        higher_is_better=higher_is_better,
    )
    keys = ["org_code", "period", "measure", "ethnic_group"]
    extra = [
        "reference",
        "ratio",
        "ratio_lower_95",
        "ratio_upper_95",
        "difference",
        "difference_lower_95",
        "difference_upper_95",
    ]
    # no group with enough events anywhere: compare returns no comparison columns
    out = rated.merge(cmp_.reindex(columns=[*keys, *extra]), on=keys, how="left")
    out = out.rename(columns={"reference": "best_group", "method": "interval"})
    out["higher_is_better"] = higher_is_better
    out["gap_method"] = "ratio: log-scale (Katz); difference: Newcombe hybrid score"
    return out


def family_counts_trend(counts: pd.DataFrame, higher_is_better: bool = True) -> pd.DataFrame:
    """Per organisation and measure: each group's trend and its gap trend against
    the best group over all periods pooled (narrowing / widening / no clear
    change, :func:`matequity.stats.trend.trend`)."""
    rows = []
    for _key, part in counts.groupby(["org_code", "measure"], sort=True):
        known = part[~part["ethnic_group"].isin(UNKNOWN_GROUPS)]
        pooled = known.groupby("ethnic_group")[["numerator", "denominator"]].sum()
        pooled = pooled[pooled["denominator"] > 0]
        if pooled.empty or part["period"].nunique() < 3:
            continue
        share = pooled["numerator"] / pooled["denominator"]
        best = str(share.idxmax() if higher_is_better else share.idxmin())
        t = part.assign(period=part["period"].map(_trend_label))[
            ["org_code", "measure", "period", "ethnic_group", "numerator", "denominator"]
        ]
        res = trend(
            t, "period", by="ethnic_group", reference=best, statistic="proportion", multiplier=100
        )
        res["best_group"] = best
        rows.append(res)
    if not rows:
        return pd.DataFrame(
            columns=["org_code", "measure", "ethnic_group", "result", "estimate", "direction"]
        )
    return pd.concat(rows, ignore_index=True)
