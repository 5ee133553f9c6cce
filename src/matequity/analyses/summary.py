"""The equity summary of a whole store (the demo's): every measure by ethnic
group and by IMD quintile for England and for each LMNS over all years, and
England by year, with 95% intervals, released under the policy.

Engine work: five GROUP BYs over the derived store.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from matequity.analyses.organisations import table as org_table
from matequity.analyses.tables import rates
from matequity.counts.compute import count_table
from matequity.disclosure.policy import Policy
from matequity.disclosure.release import release_set
from matequity.disclosure.spec import Rates, TableSpec
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
    """Every table of the summary, released together as one set (with the
    organisations table, so that an LMNS's cells cannot be differenced against
    England's, nor one period against another: ``disclosure.release_set``)."""
    ms = list(catalogue)
    frames: dict[str, pd.DataFrame] = {}
    specs: dict[str, TableSpec] = {}
    for level in LEVELS:
        for by in BREAKDOWNS:
            c = count_table(engine, ms, by=[by], level=level, period="all")
            frames[f"counts:{level}:{by}"] = c
            specs[f"counts:{level}:{by}"] = TableSpec(by=(by,))
            frames[f"rates:{level}:{by}"] = rates(c, catalogue)
            specs[f"rates:{level}:{by}"] = TableSpec(by=(by,), derived=(Rates(levels=("95",)),))
    frames["by_year"] = rates(count_table(engine, ms, level="england", period="year"), catalogue)
    specs["by_year"] = TableSpec(derived=(Rates(levels=("95",)),))
    orgs = org_table(engine)
    rel = release_set(frames, policy, specs, organisations=orgs)
    counts = {(lv, by): rel[f"counts:{lv}:{by}"] for lv in LEVELS for by in BREAKDOWNS}
    rts = {(lv, by): rel[f"rates:{lv}:{by}"] for lv in LEVELS for by in BREAKDOWNS}
    return Summary(
        policy=policy, catalogue=catalogue, counts=counts, rates=rts, by_year=rel["by_year"]
    )
