"""An organisation among the others of its level, and the organisations inside
it, with each organisation's figures released under its own policy: exact for
the organisations in ``exact_codes`` (a user's scope), the publication policy
for the rest, every row saying which.

* :func:`peers`: every organisation of the level in a funnel plot of a measure
  (PHE exact limits, or overdispersed: :mod:`matequity.analyses.funnel`), the
  organisation highlighted. Positions are computed on the true counts for
  everyone (as a published funnel plot's are) and withheld with the rate.
* :func:`units`: the organisations of a level inside an organisation (its
  LMNS, trusts or sites) with each measure's rate over the years and the
  excess events against the unit's own White rate (as the national equity
  analysis counts them: events that would not have happened had every ethnic
  group had the White rate; :func:`matequity.stats.compare.excess_totals`),
  withheld below the policy's minimum events.

Engine work: none beyond the level's count table by ethnic group and year
(:func:`matequity.analyses.dashboard_counts.level_counts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matequity import vocabulary as vocab
from matequity.analyses import dashboard_counts as dc
from matequity.analyses import organisations, periods
from matequity.analyses.exact import EXACT
from matequity.analyses.funnel import KEYS, POSITION_COLS, Funnel, peer_funnel
from matequity.analyses.organisation_view import span
from matequity.analyses.tables import ORG_KEYS, pool, released_rates
from matequity.disclosure.apply import apply_policy
from matequity.disclosure.policy import Policy
from matequity.engine.base import Engine
from matequity.measures import catalogue as cat
from matequity.stats.compare import compare, excess_totals
from matequity.stats.funnel import funnel

#: a table whose rows are released under different policies (each row says which)
MIXED = "mixed: exact within the user's scope, released outside it (see each row)"
UNIT_COLUMNS = [
    "org_level",
    "org_code",
    "org_name",
    "measure",
    "numerator",
    "denominator",
    "value",
    "lower_95",
    "upper_95",
    "excess_events",
    "disclosure_policy",
]


def _by_org(level_counts: pd.DataFrame, years: periods.Years) -> pd.DataFrame:
    """Every organisation's counts over the years (every group together)."""
    part = level_counts[years.holds(level_counts["period"])]
    return pool(part, [*ORG_KEYS, "measure"], years.label)


def _mixed(exact: pd.DataFrame, released: pd.DataFrame, exact_codes: Sequence[str]) -> pd.DataFrame:
    """Rows of ``exact`` for ``exact_codes``, of ``released`` for the rest (the
    same rows in the same order)."""
    mine = exact["org_code"].isin(list(exact_codes)).to_numpy()
    out = released.copy()
    for c in out.columns:
        if c in exact.columns:
            out[c] = np.where(mine, exact[c].to_numpy(object), released[c].to_numpy(object))
    for c in ("numerator", "denominator", "value", "lower_95", "upper_95", "excess_events"):
        if c in out.columns:
            out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    return out


@dataclass(frozen=True, kw_only=True)
class Peers:
    organisation: organisations.Organisation
    years: periods.Years
    measure: str
    funnel: Funnel
    #: organisations whose points are exact; the others are released under ``policy``
    exact_for: tuple[str, ...]
    policy: str


def peers(
    engine: Engine,
    organisation: organisations.Organisation,
    period: str | None,
    measure: str,
    policy: Policy,
    exact_codes: Sequence[str] = (),
    overdispersion: str = "none",
    catalogue: cat.Catalogue = cat.CATALOGUE,
) -> Peers | None:
    """``organisation`` in the funnel of every organisation of its level (None
    for England, which has no peers)."""
    if organisation.level == "england":
        return None
    if overdispersion not in vocab.OVERDISPERSION:
        from matequity.errors import UserError

        raise UserError(
            f"overdispersion {overdispersion!r}: expected {', '.join(vocab.OVERDISPERSION)}"
        )
    m = catalogue.get(measure)
    years = span(engine, period)
    lc = dc.level_counts(engine, organisation.level, "ethnic_group", catalogue)
    all_orgs = _by_org(lc[lc["measure"] == m.name], years)
    # the limits (exact Poisson/binomial inverses on a grid) are the costly part:
    # once per level, measure, span and method, whoever asks
    rel = dc.memo(
        engine,
        ("funnel", organisation.level, m.name, years.label, overdispersion, policy.name),
        lambda: peer_funnel(all_orgs, m, policy, overdispersion),
    )
    points = rel.points
    if exact_codes:
        part = all_orgs[(all_orgs["measure"] == m.name) & (all_orgs["denominator"] > 0)]
        units_, _disp = funnel(part, m.statistic, m.multiplier, overdispersion)
        units_ = units_.reset_index(drop=True)  # released rows are numbered from 0
        exact = apply_policy(units_[[*KEYS, "numerator", "denominator", "value"]], EXACT, [])
        exact = exact.join(units_[[*POSITION_COLS, "limits"]])
        points = _mixed(exact, rel.points, exact_codes)
    codes = tuple(c for c in points["org_code"] if c in set(exact_codes))
    f = Funnel(
        measure=rel.measure,
        points=points,
        limits=rel.limits,
        method=rel.method,
        highlight=organisation.code,
        policy=policy.name if not codes else MIXED,
    )
    return Peers(
        organisation=organisation,
        years=years,
        measure=m.name,
        funnel=f,
        exact_for=codes,
        policy=policy.name,
    )


@dataclass(frozen=True, kw_only=True)
class Units:
    parent: organisations.Organisation
    level: str
    years: periods.Years
    #: one row per unit and measure: rate, interval, excess events, disclosure policy
    table: pd.DataFrame
    exact_for: tuple[str, ...]
    policy: str


def _excess(pooled_eth: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    white = vocab.BREAKDOWN["ethnic_group"].reference
    known = pooled_eth[~pooled_eth["ethnic_group"].isin(vocab.UNKNOWN_GROUPS)]
    if known.empty:
        return pd.DataFrame(columns=["org_code", "measure", "excess_events"])
    has_white = known.groupby(["org_code", "measure"])["ethnic_group"].transform(
        lambda g: (g == white).any()
    )
    with_ref = known[has_white & (known["denominator"] > 0)]
    cmp_ = compare(with_ref, "ethnic_group", white)
    ex = excess_totals(cmp_, ["org_code", "measure"])
    ex.loc[ex["events"] < policy.min_numerator_for_rate, "excess_events"] = np.nan
    return ex[["org_code", "measure", "excess_events"]]


def units(
    engine: Engine,
    organisation: organisations.Organisation,
    level: str,
    period: str | None,
    measures: Sequence[str],
    policy: Policy,
    exact_codes: Sequence[str] = (),
    catalogue: cat.Catalogue = cat.CATALOGUE,
) -> Units:
    """The organisations of ``level`` inside ``organisation`` with ``measures``."""
    years = span(engine, period)
    orgs = dc.organisations(engine)
    code_col = vocab.level(level).code_column
    inside = sorted(set(orgs.loc[orgs["site_code"].isin(organisation.sites), code_col]))
    lc = dc.level_counts(engine, level, "ethnic_group", catalogue)
    lc = lc[lc["org_code"].isin(inside) & lc["measure"].isin(list(measures))]
    lc = lc[years.holds(lc["period"])]
    pooled_eth = pool(lc, [*ORG_KEYS, "ethnic_group", "measure"], years.label)
    totals = pool(lc, [*ORG_KEYS, "measure"], years.label)
    parts = []
    for pol in (EXACT, policy):
        r = released_rates(totals, pol, catalogue=catalogue)
        r = r.merge(_excess(pooled_eth, pol), on=["org_code", "measure"], how="left")
        r.loc[r["value"].isna(), "excess_events"] = np.nan
        parts.append(r.reindex(columns=UNIT_COLUMNS))
    table = _mixed(parts[0], parts[1], exact_codes)
    return Units(
        parent=organisation,
        level=level,
        years=years,
        table=table.reset_index(drop=True),
        exact_for=tuple(sorted(set(inside) & set(exact_codes))),
        policy=policy.name,
    )
