"""Analysis-ready results for the reports and the dashboard: staff experience
(WRES), families' experience and the community profile, each a frozen
dataclass of small released DataFrames.

Disclosure: every count shown passes the policy's count rule and every
statistic computed from a count under the policy's minimum (``nhs``: 8) is
withheld, group by group: a relative likelihood or gap is withheld with either
group's value; a trend or change is withheld where its first or last period's
estimate is. Scores CQC has already published (0-10, with expected ranges) are
not counts and are shown as published; ONS population estimates likewise.
Every table carries a ``disclosure_policy`` column.

``period``: a label ('2023'), a range of years ('2021:2023') or None (the
latest period in the data).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from matequity.disclosure.apply import apply_policy
from matequity.disclosure.policy import ANALYST_ONLY, Policy
from matequity.errors import UserError
from matequity.experience import family as fam
from matequity.experience.population import births_vs_population
from matequity.experience.table import period_time
from matequity.experience.wres import wres_indicators, wres_trend

WHITE_STATS = ("white_value", "white_lower_95", "white_upper_95")
BME_STATS = ("bme_value", "bme_lower_95", "bme_upper_95")
EST_STATS = ("estimate", "estimate_lower_95", "estimate_upper_95", "gap", "gap_se")


def _years(period: str | None, available: Sequence[str]) -> tuple[float, float]:
    times = sorted({period_time(p) for p in available})
    if not times:
        raise UserError("no periods in the data")
    if period is None:
        return times[-1], times[-1]
    try:
        if ":" in str(period):
            a, b = (float(x) for x in str(period).split(":"))
        else:
            a = b = period_time(str(period))
    except ValueError:
        raise UserError(f"period {period!r}: expected YYYY or YYYY:YYYY") from None
    if a > b:
        raise UserError(f"period {period!r}: the first year is after the last")
    return a, b


def _in(df: pd.DataFrame, col: str, a: float, b: float) -> pd.Series:
    t = df[col].map(lambda s: np.floor(period_time(s)))
    return t.between(np.floor(a), np.floor(b))


def _orgs(df: pd.DataFrame, org_codes: Sequence[str] | None) -> pd.DataFrame:
    if org_codes is None:
        return df
    out = df[df["org_code"].isin(list(org_codes))]
    if out.empty:
        raise UserError(f"none of {', '.join(org_codes)} is in the table")
    return out


def _count(policy: Policy | None, x) -> np.ndarray:
    x = pd.to_numeric(pd.Series(x), errors="coerce").to_numpy(float)
    return x if policy is None else policy.count(x)


def _small(policy: Policy | None, x) -> np.ndarray:
    x = pd.to_numeric(pd.Series(x), errors="coerce").to_numpy(float)
    if policy is None:
        return np.zeros(len(x), bool)
    return np.nan_to_num(x, nan=0.0) < policy.min_numerator_for_rate


def _policy_name(policy: Policy | None) -> str:
    return ANALYST_ONLY if policy is None else policy.name


def release_wres(results: pd.DataFrame, policy: Policy | None) -> pd.DataFrame:
    """Counts rounded; each group's percentage withheld under its own small
    numerator; the estimate withheld when either group's is (or, for
    representation, the BME count is)."""
    out = results.copy()
    hide_w = _small(policy, out["white_numerator"]) & out["white_numerator"].notna().to_numpy()
    hide_b = _small(policy, out["bme_numerator"]) & out["bme_numerator"].notna().to_numpy()
    rep = (out["kind"] == "representation").to_numpy()
    hide_e = np.where(rep, hide_b, hide_w | hide_b)
    for cols, hide in ((WHITE_STATS, hide_w), (BME_STATS, hide_b), (EST_STATS, hide_e)):
        for c in cols:
            out[c] = out[c].astype(float).where(~hide, np.nan)
    out["favours"] = np.where(hide_e, "", out["favours"])
    out["reading"] = np.where(
        hide_e, "withheld: fewer events than the policy allows", out["reading"]
    )
    out["clear"] = np.where(hide_e, False, out["clear"])
    if policy is not None and policy.rate_decimals is not None:
        for c in (*WHITE_STATS, *BME_STATS, "benchmark_value"):
            out[c] = out[c].round(policy.rate_decimals)
    for c in ("white_numerator", "white_denominator", "bme_numerator", "bme_denominator"):
        out[c] = _count(policy, out[c])
    out["suppressed"] = np.where(hide_e, "estimate", np.where(hide_w | hide_b, "group", ""))
    out["disclosure_policy"] = _policy_name(policy)
    return out


@dataclass(frozen=True)
class StaffExperience:
    """WRES for the organisations in scope (a trust, or an LMNS's trusts)."""

    org_codes: tuple[str, ...]
    period: str
    #: released indicators for the period(s): every indicator, staff group and band
    indicators: pd.DataFrame
    #: per indicator: change first vs last period and the weighted trend (released)
    trend: pd.DataFrame
    #: one row per organisation and indicator for a short panel: the latest
    #: period's headline row (indicator 1: the workforce share; 9: voting
    #: membership) with its change reading
    headline: pd.DataFrame
    disclosure_policy: str
    notes: tuple[str, ...] = field(default_factory=tuple)


def staff_experience(
    tables: pd.DataFrame,
    org_codes: Sequence[str] | None = None,
    period: str | None = None,
    policy: Policy | None = None,
) -> StaffExperience:
    """``tables``: a checked WRES table (:func:`matequity.experience.wres_format.read_wres`).
    The trend uses every period up to the end of ``period``."""
    df = _orgs(tables, org_codes)
    a, b = _years(period, df["period"].astype(str).unique())
    upto = df[df["period"].map(period_time) < np.floor(b) + 1]
    res = wres_indicators(upto)
    tr = wres_trend(upto)
    rel = release_wres(res, policy)
    shown = rel[_in(rel, "period", a, b)].reset_index(drop=True)
    # a change is withheld when its first or last estimate is
    withheld = rel[rel["estimate"].isna() & res["estimate"].notna()]
    keys = ["org_code", "indicator", "staff_group", "band"]
    if not tr.empty and not withheld.empty:
        w = withheld[[*keys, "period"]]
        first = tr.merge(w.rename(columns={"period": "first_period"}), on=[*keys, "first_period"])
        last = tr.merge(w.rename(columns={"period": "last_period"}), on=[*keys, "last_period"])
        gone = pd.concat([first[keys], last[keys]]).drop_duplicates()
        mask = tr.set_index(keys).index.isin(gone.set_index(keys).index)
        stat_cols = [
            c
            for c in tr.columns
            if c
            not in (
                *keys,
                "title",
                "periods",
                "first_period",
                "last_period",
                "estimate_unit",
                "scale",
            )
        ]
        for c in stat_cols:
            tr[c] = tr[c].astype(object).where(~mask, np.nan if "reading" not in c else "withheld")
    tr["disclosure_policy"] = _policy_name(policy)
    latest = shown[shown["period"].map(period_time) == shown["period"].map(period_time).max()]
    head = latest[
        (latest["staff_group"] == "All")
        & (
            ((latest["indicator"] == 1) & (latest["band"] == "All"))
            | ((latest["indicator"] == 9) & (latest["band"] == "Voting"))
            | ~latest["indicator"].isin([1, 9])
        )
    ]
    head = head.merge(
        tr[[*keys, "change_reading", "trend_reading", "first_period"]], on=keys, how="left"
    )
    label = f"{int(a)}" if a == b else f"{int(a)}-{int(b)}"
    notes = (
        "WRES groups: White (White British, Irish, any other White background) and BME "
        "(every other stated group); staff whose ethnicity is not stated are in neither.",
        "Relative likelihoods have log-scale (Katz) 95% intervals; percentages Wilson 95% "
        "intervals; percentage gaps Newcombe's hybrid score interval.",
        "Indicator 3 uses the current and previous year together (the WRES two-year rolling "
        "average) where both are given; its trend is year by year.",
    )
    return StaffExperience(
        tuple(sorted(df["org_code"].unique())),
        label,
        shown,
        tr,
        head.reset_index(drop=True),
        _policy_name(policy),
        notes,
    )


@dataclass(frozen=True)
class FamilyExperience:
    """Families' experience for the organisations in scope."""

    org_codes: tuple[str, ...]
    period: str
    #: CQC maternity survey: score, expected range, band per question (as published)
    cqc: pd.DataFrame | None
    #: questions better / worse than expected per trust and period
    cqc_summary: pd.DataFrame | None
    #: national CQC results by ethnic group with gaps to the best group (England)
    cqc_national: pd.DataFrame | None
    #: FFT positive share per trust, touchpoint and month (released)
    fft: pd.DataFrame | None
    #: FFT annual percentage change per trust and touchpoint
    fft_trend: pd.DataFrame | None
    #: a trust's own survey or complaints by ethnic group: percentages, gaps to the best group
    by_group: pd.DataFrame | None
    #: trends and gap trends against the best group
    by_group_trend: pd.DataFrame | None
    disclosure_policy: str
    #: what each source does not break down by ethnic group
    notes: tuple[str, ...] = field(default_factory=tuple)


GAP_COLS = (
    "ratio",
    "ratio_lower_95",
    "ratio_upper_95",
    "difference",
    "difference_lower_95",
    "difference_upper_95",
)


def _release_rates(df: pd.DataFrame, policy: Policy | None, by: list[str]) -> pd.DataFrame:
    if policy is None:
        return df.assign(disclosure_policy=ANALYST_ONLY)
    return apply_policy(df, policy, by, statistic="proportion", multiplier=100)


def family_experience(
    cqc: pd.DataFrame | None = None,
    cqc_national: pd.DataFrame | None = None,
    fft: pd.DataFrame | None = None,
    counts: pd.DataFrame | None = None,
    org_codes: Sequence[str] | None = None,
    period: str | None = None,
    policy: Policy | None = None,
    higher_is_better: bool = True,
) -> FamilyExperience:
    """Each source is optional (checked tables from
    :mod:`matequity.experience.family_format`); ``higher_is_better`` is the
    polarity of ``counts`` (True for positive experiences, False for complaints)."""
    notes = []
    seen = set()
    cqc_r = cqc_s = nat = fft_r = fft_t = grp = grp_t = None
    label = ""
    if cqc is not None:
        c = _orgs(cqc, org_codes)
        a, b = _years(period, c["period"].astype(str).unique())
        r = fam.cqc_results(c)
        cqc_r = r[_in(r, "period", a, b)].reset_index(drop=True)
        if "respondents" in cqc_r.columns:
            cqc_r["respondents"] = _count(policy, cqc_r["respondents"])
        cqc_r["disclosure_policy"] = _policy_name(policy)
        cqc_s = fam.cqc_summary(cqc_r).assign(disclosure_policy=_policy_name(policy))
        notes.append(fam.CQC_ETHNICITY_NOTE + ".")
        seen |= set(c["org_code"])
        label = f"{int(a)}" if a == b else f"{int(a)}-{int(b)}"
    if cqc_national is not None:
        a, b = _years(period, cqc_national["period"].astype(str).unique())
        n = fam.cqc_national_gaps(cqc_national)
        nat = n[_in(n, "period", a, b)].reset_index(drop=True)
        nat["disclosure_policy"] = _policy_name(policy)
    if fft is not None:
        f = _orgs(fft, org_codes)
        a, b = _years(period, [str(p)[:4] for p in f["period"]])
        r = fam.fft_results(f[_in(f, "period", a, b)])
        rel = _release_rates(
            r.rename(columns={"positive": "numerator", "responses": "denominator"}),
            policy,
            ["touchpoint"],
        )
        fft_r = rel.rename(columns={"numerator": "positive", "denominator": "responses"})
        fft_t = fam.fft_trend(f[f["period"].map(period_time) < np.floor(b) + 1])
        fft_t["disclosure_policy"] = _policy_name(policy)
        notes.append(fam.FFT_ETHNICITY_NOTE + ".")
        seen |= set(f["org_code"])
        label = label or (f"{int(a)}" if a == b else f"{int(a)}-{int(b)}")
    if counts is not None:
        k = _orgs(counts, org_codes)
        a, b = _years(period, k["period"].astype(str).unique())
        r = fam.family_counts_results(k, higher_is_better)
        r = r[_in(r, "period", a, b)]
        rates = r[[c for c in r.columns if c not in GAP_COLS]].rename(
            columns={"interval": "method"}
        )
        rel = _release_rates(rates, policy, ["ethnic_group"])
        rel = rel.merge(
            r[["org_code", "period", "measure", "ethnic_group", *GAP_COLS]],
            on=["org_code", "period", "measure", "ethnic_group"],
            how="left",
        )
        best = rel[rel["ethnic_group"] == rel["best_group"]][
            ["org_code", "period", "measure", "value"]
        ].rename(columns={"value": "_best"})
        rel = rel.merge(best, on=["org_code", "period", "measure"], how="left")
        hide = rel["value"].isna() | rel["_best"].isna()
        rel.loc[hide, list(GAP_COLS)] = np.nan
        grp = rel.drop(columns=["_best"]).reset_index(drop=True)
        t = fam.family_counts_trend(
            k[k["period"].map(period_time) < np.floor(b) + 1], higher_is_better
        )
        if policy is not None and not t.empty:
            small = (
                (
                    k.groupby(["org_code", "measure", "ethnic_group"])["numerator"].min()
                    < policy.min_numerator_for_rate
                )
                .rename("_small")
                .reset_index()
            )
            t = t.merge(small, on=["org_code", "measure", "ethnic_group"], how="left")
            cols = [c for c in ("estimate", "lower_95", "upper_95", "p_value") if c in t.columns]
            t.loc[t["_small"].eq(True), cols] = np.nan
            t = t.drop(columns=["_small"])
        grp_t = t.assign(disclosure_policy=_policy_name(policy))
        seen |= set(k["org_code"])
        label = label or (f"{int(a)}" if a == b else f"{int(a)}-{int(b)}")
    if not seen and nat is None:
        raise UserError("no families' experience data given (CQC survey, FFT or counts)")
    return FamilyExperience(
        tuple(sorted(seen)),
        label,
        cqc_r,
        cqc_s,
        nat,
        fft_r,
        fft_t,
        grp,
        grp_t,
        _policy_name(policy),
        tuple(notes),
    )


@dataclass(frozen=True)
class CommunityProfile:
    """Births by ethnic group beside the resident population."""

    org_codes: tuple[str, ...]
    period: str
    population_group: str
    table: pd.DataFrame
    disclosure_policy: str
    notes: tuple[str, ...] = field(default_factory=tuple)


def community_profile(
    births: pd.DataFrame,
    population: pd.DataFrame,
    org_codes: Sequence[str] | None = None,
    period: str | None = None,
    policy: Policy | None = None,
    population_group: str | None = None,
) -> CommunityProfile:
    """``births``: from :func:`matequity.experience.population.read_births` (or a
    DataFrame with org_code, period, ethnic_group, births); a range of years is
    summed into one period labelled 'YYYY-YYYY' using the population of its last
    year (else the latest earlier)."""
    bi = _orgs(births, org_codes)
    a, b = _years(period, bi["period"].astype(str).unique())
    bi = bi[_in(bi, "period", a, b)]
    label = f"{int(a)}" if a == b else f"{int(a)}-{int(b)}"
    summed = bi.groupby(["org_code", "ethnic_group"], as_index=False)["births"].sum()
    summed["period"] = str(int(b))
    t = births_vs_population(summed, _orgs(population, org_codes), population_group)
    t["period"] = label
    stats = [c for c in t.columns if c.startswith(("births_share", "share_", "births_per_1000"))]
    hide = _small(policy, t["births"])
    for c in stats:
        t[c] = t[c].astype(float).where(~hide, np.nan)
    for c in ("births", "births_known", "births_all"):
        t[c] = _count(policy, t[c])
    t["suppressed"] = np.where(hide, "rate", "")
    t["disclosure_policy"] = _policy_name(policy)
    notes = (
        "Population shares are ONS estimates taken as fixed; intervals are those of the "
        "births shares.",
        "Births whose ethnic group is not recorded are left out of the shares.",
    )
    return CommunityProfile(
        tuple(sorted(bi["org_code"].unique())),
        label,
        str(t["population_group"].iloc[0]) if len(t) else "",
        t,
        _policy_name(policy),
        notes,
    )
