"""The dashboard's home: where the largest gaps and excess events are within an
organisation (a user's scope: England, a region, an LMNS or a trust), leading
with inequity.

* the worst group against the best group for each headline measure (the
  catalogue's :data:`~matequity.measures.catalogue.HEADLINE` measures) by
  ethnic group and by IMD quintile: rate ratio with its 95% interval, the
  group's excess events and all groups' excess at the best rate
  (:func:`~matequity.analyses.organisation_view.worst_against_best`);
* the organisations inside it carrying most excess stillbirths and neonatal
  deaths against their own White rate (:func:`~matequity.analyses.peers.units`;
  England lists its LMNS, as the national equity analysis does);
* the gaps to the reference group that are widening: the trend of the rate
  ratio by year (group x year interaction, :func:`matequity.stats.trend.trend`)
  moving away from 1 with p < 0.05.

Released under the policy (None: exact) organisation by organisation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from matequity import vocabulary as vocab
from matequity.analyses import organisations, periods
from matequity.analyses.exact import resolve
from matequity.analyses.organisation_view import (
    BREAKDOWNS,
    _released_trends,
    org_counts,
    organisation_summary,
    span,
)
from matequity.analyses.peers import Units, units
from matequity.disclosure.policy import Policy
from matequity.engine.base import Engine
from matequity.measures import catalogue as cat
from matequity.stats.trend import trend

#: the deaths whose excess the home page ranks organisations by
EXCESS_MEASURES = ("stillbirth", "neonatal_mortality")
#: organisations listed per measure
TOP = 10
#: the level of the organisations listed inside each level
UNIT_LEVEL = {"england": "lmns", "region": "lmns", "lmns": "trust", "trust": "site"}


@dataclass(frozen=True, kw_only=True)
class Home:
    organisation: organisations.Organisation
    years: periods.Years
    policy: str
    measures: tuple[str, ...]
    #: per headline measure and breakdown: the worst group against the best
    gaps: pd.DataFrame
    #: the units inside (None for a site)
    units: Units | None
    #: per excess measure: the units with the most excess events, most first
    excess: pd.DataFrame
    #: gap trends moving away from no difference (p < 0.05)
    widening: pd.DataFrame


def widening_gaps(
    engine: Engine,
    organisation: organisations.Organisation,
    years: periods.Years,
    measures: Sequence[str],
    policy: Policy,
    catalogue: cat.Catalogue = cat.CATALOGUE,
) -> pd.DataFrame:
    """The released gap-trend rows of ``measures`` whose direction is 'widening'."""
    found = []
    for by in BREAKDOWNS:
        c = org_counts(engine, organisation, by, catalogue)
        c = c[years.holds(c["period"])]
        ref = vocab.BREAKDOWN[by].reference
        for m in measures:
            part = c[c["measure"] == m]
            known = part[~part[by].isin(vocab.UNKNOWN_GROUPS)]
            if not (known[by] == ref).any():
                continue
            t = trend(part, "period", by, ref)
            t = _released_trends(t[t["result"] == "gap"], known, by, policy, m)
            found.append(t[t["direction"] == "widening"])
    cols = ["by", "measure", "group", "reference", "estimate", "lower_95", "upper_95", "p_value"]
    if not found:
        return pd.DataFrame(columns=[*cols, "direction", "disclosure_policy"])
    out = pd.concat(found, ignore_index=True)
    return out[[*cols, "direction", "disclosure_policy"]].reset_index(drop=True)


def home(
    engine: Engine,
    organisation: organisations.Organisation,
    period: str | None,
    policy: Policy | None = None,
    unit_policy: Policy | None = None,
    exact_codes: Sequence[str] = (),
    catalogue: cat.Catalogue = cat.CATALOGUE,
) -> Home:
    """The home of ``organisation``: its own figures under ``policy`` (None:
    exact), the units inside it exact when in ``exact_codes`` and under
    ``unit_policy`` otherwise."""
    pol = resolve(policy)
    years = span(engine, period)
    names = tuple(m.name for m in catalogue.shown_in(cat.HEADLINE))
    summary = organisation_summary(engine, organisation, period, names, policy, catalogue)
    level = UNIT_LEVEL.get(organisation.level)
    inside = None
    excess = pd.DataFrame(columns=["measure", "org_level", "org_code", "org_name"])
    if level is not None:
        ms = [m for m in EXCESS_MEASURES if m in catalogue.names]
        inside = units(
            engine, organisation, level, period, ms, resolve(unit_policy), exact_codes, catalogue
        )
        t = inside.table[inside.table["excess_events"].notna()]
        order = t["measure"].map({m: i for i, m in enumerate(ms)})
        excess = (
            t.assign(_o=order)
            .sort_values(["_o", "excess_events"], ascending=[True, False])
            .drop(columns="_o")
            .groupby("measure", sort=False)
            .head(TOP)
            .reset_index(drop=True)
        )
    return Home(
        organisation=organisation,
        years=years,
        policy=pol.name,
        measures=names,
        gaps=summary.gaps,
        units=inside,
        excess=excess,
        widening=widening_gaps(engine, organisation, years, names, pol, catalogue),
    )
