"""The LMNS equity and equality analysis (health outcomes).

For one LMNS and a span of years: its population (births by ethnic group), each
measure the catalogue places in the LMNS analysis by ethnic group and by IMD
quintile against England and a reference group (White; the least deprived
quintile) and against the best group, the yearly gaps for the measures with
enough events to release year by year, funnels of the LMNS among all LMNS, the
change it could detect (power) and the completeness of ethnicity and
deprivation coding. Everything is released under the policy.

Engine work: five GROUP BYs over the derived store (England by year; the LMNS
by ethnic group and by IMD quintile by year; every LMNS by year; completeness
cells). The rest is statistics on those count tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from matequity import vocabulary as vocab
from matequity.analyses import organisations, periods
from matequity.analyses.by_group import ByGroup, by_group, largest_gaps, released_comparison
from matequity.analyses.experience import Experience, experience
from matequity.analyses.funnel import Funnel, peer_funnel
from matequity.analyses.stabilised_rates import StabilisedSet, stabilised_set
from matequity.analyses.tables import ORG_KEYS, pool, released_rates
from matequity.counts.compute import count_table
from matequity.disclosure.policy import Policy
from matequity.engine.base import Engine
from matequity.measures import catalogue as cat
from matequity.quality.completeness import completeness, site_cells
from matequity.stats.power_table import power_table

BREAKDOWNS = ("ethnic_group", "imd_quintile")


@dataclass(frozen=True, kw_only=True)
class LmnsAnalysis:
    lmns: organisations.Organisation
    #: the trusts of the LMNS
    trusts: tuple[str, ...]
    years: periods.Years
    policy: Policy
    catalogue: cat.Catalogue
    measures: tuple[str, ...]
    yearly_measures: tuple[str, ...]
    funnel_measures: tuple[str, ...]
    #: by breakdown: the measures by group, released
    groups: dict[str, ByGroup]
    #: England's rates over the years, released
    england: pd.DataFrame
    #: births by ethnic group (the stillbirth denominators), released
    profile: pd.DataFrame
    #: per breakdown and measure, the largest gap to the reference
    headlines: pd.DataFrame
    #: (measure, breakdown) -> released gaps by year
    yearly: dict[tuple[str, str], pd.DataFrame]
    #: measure -> the LMNS among all LMNS
    funnels: dict[str, Funnel]
    #: detectable change in stillbirth by ethnic group
    power: pd.DataFrame
    #: ethnicity and deprivation coding completeness for the LMNS
    completeness: pd.DataFrame
    #: staff and families' experience of its trusts, and the population it serves
    experience: Experience
    #: measure -> stabilised & adjusted rates of every trust (None: not asked for)
    stabilised: StabilisedSet | None = None


def lmns(
    engine: Engine,
    code: str,
    policy: Policy,
    period: str | None = None,
    overdispersion: str = "none",
    catalogue: cat.Catalogue = cat.CATALOGUE,
    with_stabilised: bool = True,
) -> LmnsAnalysis:
    """The analysis of LMNS ``code`` over ``period`` (``YYYY:YYYY``; default the
    last three years), released under ``policy``."""
    if overdispersion not in vocab.OVERDISPERSION:
        from matequity.errors import UserError

        raise UserError(
            f"--overdispersion {overdispersion!r}: expected {', '.join(vocab.OVERDISPERSION)}"
        )
    orgs = organisations.table(engine)
    org = organisations.find(orgs, "lmns", code)
    ms = catalogue.shown_in(cat.LMNS)
    names = tuple(m.name for m in ms)
    eng_year = count_table(engine, ms, level="england", period="year")
    span = periods.years(period, sorted(eng_year["period"].unique()))
    england = released_rates(
        pool(eng_year[span.holds(eng_year["period"])], [*ORG_KEYS, "measure"], span.label),
        policy,
        catalogue=catalogue,
    )
    groups, yearly_counts = {}, {}
    for by in BREAKDOWNS:
        ref = vocab.BREAKDOWN[by].reference
        c = count_table(engine, ms, by=[by], level="lmns", period="year", org_codes=[code])
        c = c[span.holds(c["period"])]
        yearly_counts[by] = c
        pooled = pool(c, [*ORG_KEYS, by, "measure"], span.label)
        groups[by] = by_group(pooled, by, ref, policy, catalogue)
    yearly_ms = tuple(m.name for m in catalogue.shown_in(cat.LMNS_YEARLY))
    yearly = {
        (m, by): released_comparison(
            yearly_counts[by][yearly_counts[by]["measure"] == m],
            by,
            vocab.BREAKDOWN[by].reference,
            policy,
            catalogue,
        )
        for m in yearly_ms
        for by in BREAKDOWNS
    }
    fms = catalogue.shown_in(cat.FUNNEL)
    all_lmns = count_table(engine, fms, level="lmns", period="year")
    all_lmns = pool(all_lmns[span.holds(all_lmns["period"])], [*ORG_KEYS, "measure"], span.label)
    funnels = {m.name: peer_funnel(all_lmns, m, policy, overdispersion, code) for m in fms}
    comp = completeness(site_cells(engine, within=(vocab.level("lmns").code_column, [code])), orgs)
    comp = comp[(comp["org_level"] == "lmns") & (comp["org_code"] == code)]
    eth = groups["ethnic_group"].table
    sb_year = yearly_counts["ethnic_group"]
    sb_year = sb_year[
        (sb_year["measure"] == "stillbirth") & ~sb_year["ethnic_group"].isin(vocab.UNKNOWN_GROUPS)
    ]
    power = power_table(sb_year, "ethnic_group", vocab.BREAKDOWN["ethnic_group"].reference)
    return LmnsAnalysis(
        lmns=org,
        trusts=tuple(sorted(orgs.loc[orgs["lmns_code"] == code, "trust_code"].unique())),
        years=span,
        policy=policy,
        catalogue=catalogue,
        measures=names,
        yearly_measures=yearly_ms,
        funnel_measures=tuple(m.name for m in fms),
        groups=groups,
        england=england,
        profile=eth[eth["measure"] == "stillbirth"],
        headlines=largest_gaps(
            list(groups.values()),
            [m.name for m in catalogue.shown_in(cat.HEADLINE) if m.name in names],
        ),
        yearly=yearly,
        funnels=funnels,
        power=power,
        completeness=comp,
        experience=experience(engine, org, span, policy, orgs),
        stabilised=stabilised_set(engine, [m.name for m in fms], (span.first, span.last), policy)
        if with_stabilised
        else None,
    )
