"""The national equity progress analysis: the pledge measures (baby and
maternal mortality by ethnicity and deprivation) and severe maternal morbidity
by ethnic group and year with the trend against the national ambition; the
most against the least deprived decile; the deprivation gradient with the slope
index of inequality; the LMNS carrying the most excess stillbirths; and the
variation between LMNS (funnels, every LMNS's stillbirth rate by year).
Everything is released under the policy.

Engine work: three GROUP BYs over the derived store (England by ethnic group
and year, by IMD decile and year; every LMNS by ethnic group and year).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from matequity import vocabulary as vocab
from matequity.analyses import periods
from matequity.analyses.funnel import Funnel, peer_funnel
from matequity.analyses.gradient import Gradient, gradient
from matequity.analyses.stabilised_rates import StabilisedSet, stabilised_set
from matequity.analyses.tables import ORG_KEYS, pool, rates, released_rates
from matequity.counts.compute import count_table
from matequity.disclosure.apply import apply_policy
from matequity.disclosure.policy import Policy
from matequity.disclosure.release import release
from matequity.disclosure.spec import TableSpec
from matequity.engine.base import Engine
from matequity.measures import catalogue as cat
from matequity.model import deprivation
from matequity.stats.compare import compare, excess_totals
from matequity.stats.inequality.table import inequality
from matequity.stats.trend import trend

MOST, LEAST = deprivation.decile_label(1), deprivation.decile_label(10)
KEYS = [*ORG_KEYS, "measure"]


@dataclass(frozen=True, kw_only=True)
class NationalAnalysis:
    years: periods.Years
    policy: Policy
    catalogue: cat.Catalogue
    measures: tuple[str, ...]
    #: measure -> released rates by year and ethnic group
    by_year: dict[str, pd.DataFrame]
    #: per measure: the trend against the ambition (target, latest, projected, year reached)
    ambition: pd.DataFrame
    #: released rates by IMD decile (years pooled)
    deciles: pd.DataFrame
    #: per measure and year: decile 1 against decile 10 (released)
    most_least: pd.DataFrame
    #: inequality summaries by decile (SII, RII...)
    inequality: pd.DataFrame
    #: measure -> the deprivation gradient
    gradients: dict[str, Gradient]
    #: the ten LMNS with the most excess stillbirths against their White rate
    excess_lmns: pd.DataFrame
    #: measure -> every LMNS in a funnel
    funnels: dict[str, Funnel]
    #: released stillbirth rates by LMNS and year, and England's
    lmns_years: pd.DataFrame
    england_years: pd.DataFrame
    #: measure -> stabilised & adjusted rates of every trust (None: not asked for)
    stabilised: StabilisedSet | None = None


def national(
    engine: Engine,
    policy: Policy,
    period: str | None = None,
    overdispersion: str = "none",
    catalogue: cat.Catalogue = cat.CATALOGUE,
    with_stabilised: bool = True,
) -> NationalAnalysis:
    ms = catalogue.shown_in(cat.NATIONAL)
    names = tuple(m.name for m in ms)
    white = vocab.BREAKDOWN["ethnic_group"].reference
    eth = count_table(engine, ms, by=["ethnic_group"], level="england", period="year")
    dec = count_table(engine, ms, by=["imd_decile"], level="england", period="year")
    lm = count_table(engine, ms, by=["ethnic_group"], level="lmns", period="year")
    span = periods.years(period, sorted(eth["period"].unique()))
    eth = eth[span.holds(eth["period"])]
    dec = dec[span.holds(dec["period"])]
    lm = lm[span.holds(lm["period"])]
    by_year = {
        m: released_rates(eth[eth["measure"] == m], policy, ["ethnic_group"], catalogue=catalogue)
        for m in names
    }
    ambition = trend(
        eth[~eth["ethnic_group"].isin(vocab.UNKNOWN_GROUPS)],
        "period",
        "ethnic_group",
        white,
        results=("ambition",),
    )
    pooled = pool(dec, [*ORG_KEYS, "imd_decile", "measure"], span.label)
    deciles = released_rates(pooled, policy, ["imd_decile"], catalogue=catalogue)
    ineq = inequality(pooled[~pooled["imd_decile"].isin(vocab.UNKNOWN_GROUPS)], "imd_decile", True)
    most_least = released_rates(
        dec[dec["imd_decile"].isin([MOST, LEAST])], policy, ["imd_decile"], catalogue=catalogue
    )
    lm_pooled = pool(lm, [*ORG_KEYS, "ethnic_group", "measure"], span.label)
    sb = lm_pooled[lm_pooled["measure"] == "stillbirth"]
    # from the released counts: from the true ones the excess gives the counts away
    sb = release(sb, policy, TableSpec(by=("ethnic_group",)))
    sb = sb.loc[
        ~sb["ethnic_group"].isin(vocab.UNKNOWN_GROUPS) & sb["numerator"].notna(),
        ["period", *ORG_KEYS, "ethnic_group", "measure", "numerator", "denominator"],
    ]
    excess = excess_totals(compare(sb, "ethnic_group", white), ["org_code", "org_name"])
    # an LMNS's excess is released only when its events reach the policy's minimum
    excess.loc[excess["events"] < policy.min_numerator_for_rate, "excess_events"] = np.nan
    excess = excess.sort_values("excess_events", ascending=False).head(10)
    lm_year = lm.groupby(["period", *KEYS], as_index=False, sort=False)[
        ["numerator", "denominator"]
    ].sum()
    lm_all = pool(lm_year, KEYS, span.label)
    funnels = {
        m.name: peer_funnel(lm_all, m, policy, overdispersion)
        for m in catalogue.shown_in(cat.FUNNEL)
    }
    sb_years = released_rates(
        lm_year[lm_year["measure"] == "stillbirth"], policy, catalogue=catalogue
    )
    eng_sb = (
        eth[eth["measure"] == "stillbirth"]
        .groupby(["period", *KEYS], as_index=False)[["numerator", "denominator"]]
        .sum()
    )
    return NationalAnalysis(
        years=span,
        policy=policy,
        catalogue=catalogue,
        measures=names,
        by_year=by_year,
        ambition=ambition,
        deciles=deciles,
        most_least=most_least,
        inequality=ineq,
        gradients={m.name: gradient(pooled, deciles, m, ineq) for m in ms},
        excess_lmns=excess,
        funnels=funnels,
        lmns_years=sb_years,
        england_years=apply_policy(rates(eng_sb, catalogue), policy, []),
        stabilised=stabilised_set(
            engine,
            [m.name for m in catalogue.shown_in(cat.FUNNEL)],
            (span.first, span.last),
            policy,
        )
        if with_stabilised
        else None,
    )
