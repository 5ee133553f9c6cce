"""The equity summary of a whole store (the demo's): every measure by ethnic
group and by IMD quintile for England and for each LMNS over all years, and
England by year, with 95% intervals, released under the policy.

Engine work: five GROUP BYs over the derived store.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from matequity.analyses.tables import released_rates
from matequity.counts.compute import count_table
from matequity.disclosure.apply import apply_policy
from matequity.disclosure.policy import Policy
from matequity.engine.base import Engine
from matequity.measures import catalogue as cat

BREAKDOWNS = ("ethnic_group", "imd_quintile")
LEVELS = ("england", "lmns")


@dataclass(frozen=True, kw_only=True)
class Summary:
    policy: Policy
    catalogue: cat.Catalogue
    #: (level, breakdown) -> released counts (the published count tables)
    counts: dict[tuple[str, str], pd.DataFrame]
    #: (level, breakdown) -> released rates with 95% intervals
    rates: dict[tuple[str, str], pd.DataFrame]
    #: England's rates by year, released
    by_year: pd.DataFrame


def summary(engine: Engine, policy: Policy, catalogue: cat.Catalogue = cat.CATALOGUE) -> Summary:
    ms = list(catalogue)
    counts, rates = {}, {}
    for level in LEVELS:
        for by in BREAKDOWNS:
            c = count_table(engine, ms, by=[by], level=level, period="all")
            counts[(level, by)] = apply_policy(c, policy, [by])
            rates[(level, by)] = released_rates(c, policy, [by], catalogue)
    by_year = released_rates(
        count_table(engine, ms, level="england", period="year"), policy, catalogue=catalogue
    )
    return Summary(policy=policy, catalogue=catalogue, counts=counts, rates=rates, by_year=by_year)
