"""One organisation as the dashboard shows it (England, a region, an LMNS, a
trust or a site), for a span of years of birth, released under a policy (None:
exact, for an organisation in the user's scope).

* :func:`organisation_summary`: every measure's rate with its interval, and for
  each measure and breakdown (ethnic group, IMD quintile) the worst group
  against the best group: rate ratio with its 95% interval and the excess
  events (the group's, and all groups' together: the events that would not
  have happened had every known group had the best group's rate).
* :func:`measure_detail`: one measure by ethnic group and by IMD quintile
  against the reference group (White; the least deprived quintile) and the best
  group, the organisation's rate by year against the 2025 national ambition,
  each group's trend and whether its gap to the reference is widening or
  narrowing (:func:`matequity.stats.trend.trend`), and the deprivation
  gradient by IMD decile with the slope index of inequality.
* :func:`against_england`: a measure detail's group rates beside England's.

Statistics: :mod:`matequity.stats.compare` (Katz log-Wald ratios, excess
events O - E at the reference rate), :mod:`matequity.stats.trend` (Poisson
log-linear trends, group x time interaction for gaps), the PHE slope index
(:mod:`matequity.analyses.gradient`). Disclosure: rates withheld below the
policy's minimum events, ratios and excess events withheld with the rates they
derive from, trends withheld for a group with fewer events than the policy's
minimum over the span.

Engine work: two count tables per level (every measure by ethnic group and by
IMD decile, by year, every organisation of the level), shared by every page
(:mod:`matequity.analyses.dashboard_counts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matequity import vocabulary as vocab
from matequity.analyses import dashboard_counts as dc
from matequity.analyses import organisations, periods
from matequity.analyses.by_group import ByGroup, best_group, by_group
from matequity.analyses.exact import resolve
from matequity.analyses.gradient import Gradient, gradient
from matequity.analyses.tables import ORG_KEYS, pool, released_rates
from matequity.disclosure.policy import Policy
from matequity.engine.base import Engine
from matequity.measures import catalogue as cat
from matequity.stats.compare import compare
from matequity.stats.inequality.table import inequality
from matequity.stats.trend import trend

#: the breakdowns every organisation page shows
BREAKDOWNS = ("ethnic_group", "imd_quintile")
#: years of birth shown when no period is asked for
DEFAULT_SPAN = 5
GAP_COLUMNS = [
    "by",
    "measure",
    "group",
    "best",
    "value",
    "best_value",
    "ratio",
    "ratio_lower_95",
    "ratio_upper_95",
    "clear",
    "excess_events",
    "excess_all_groups",
    "disclosure_policy",
]
TREND_COLUMNS = [
    "by",
    "measure",
    "group",
    "result",
    "reference",
    "estimate",
    "lower_95",
    "upper_95",
    "p_value",
    "direction",
    "note",
    "disclosure_policy",
]


def org_counts(
    engine: Engine, org: organisations.Organisation, by: str, catalogue: cat.Catalogue
) -> pd.DataFrame:
    """The organisation's rows of the level's count table by ``by`` and year."""
    t = dc.level_counts(engine, org.level, by, catalogue)
    return t[t["org_code"] == org.code].reset_index(drop=True)


def span(engine: Engine, period: str | None) -> periods.Years:
    """The years asked for (``YYYY:YYYY``), default the last :data:`DEFAULT_SPAN` held."""
    return periods.years(period, dc.years(engine), DEFAULT_SPAN)


def _pooled(counts: pd.DataFrame, by: str | None, years: periods.Years) -> pd.DataFrame:
    part = counts[years.holds(counts["period"])]
    keys = [*ORG_KEYS, *([by] if by else []), "measure"]
    return pool(part, keys, years.label)


@dataclass(frozen=True, kw_only=True)
class OrganisationSummary:
    organisation: organisations.Organisation
    years: periods.Years
    #: the disclosure policy of every figure (its name, or analyst-only)
    policy: str
    measures: tuple[str, ...]
    #: per measure: numerator, denominator, rate and 95% interval over the years
    rates: pd.DataFrame
    #: per measure and breakdown: the worst group against the best group
    gaps: pd.DataFrame


def worst_against_best(
    pooled: pd.DataFrame, by: str, policy: Policy, catalogue: cat.Catalogue = cat.CATALOGUE
) -> pd.DataFrame:
    """Per measure: the known group whose released rate is furthest from the best
    group's (highest ratio; lowest where higher is better), its ratio to the
    best with the 95% interval, its excess events at the best rate, and the
    excess events of all groups together (withheld below the policy's minimum
    events, as :func:`~matequity.analyses.by_group.best_group`)."""
    known = pooled[~pooled[by].isin(vocab.UNKNOWN_GROUPS)]
    if known.empty:
        return pd.DataFrame(columns=GAP_COLUMNS)
    cmp_ = compare(known, by, "best")
    if "ratio" not in cmp_.columns:  # no group has enough events to be the best
        return pd.DataFrame(columns=GAP_COLUMNS)
    rel = released_rates(known, policy, [by], catalogue)
    cmp_ = cmp_.merge(rel[["measure", by, "value"]].rename(columns={"value": "released"}))
    totals = best_group(known, by, policy).set_index("measure")
    rows = []
    for m, part in cmp_.groupby("measure", sort=False):
        ref = part["reference"].iloc[0]
        if not isinstance(ref, str):
            continue
        best_row = part[part[by] == ref].iloc[0]
        cand = part[(part[by] != ref) & part["ratio"].notna() & part["released"].notna()]
        if cand.empty or np.isnan(best_row["released"]):
            continue
        worse_high = not catalogue.get(m).higher_is_better
        # a group with fewer events than the best group needs may do better still
        cand = cand[cand["ratio"] > 1] if worse_high else cand[cand["ratio"] < 1]
        if cand.empty:
            continue
        top = cand.sort_values("ratio", ascending=not worse_high).iloc[0]
        clear = top["ratio_lower_95"] > 1 if worse_high else top["ratio_upper_95"] < 1
        rows.append(
            {
                "by": by,
                "measure": m,
                "group": top[by],
                "best": ref,
                "value": top["released"],
                "best_value": best_row["released"],
                "ratio": top["ratio"],
                "ratio_lower_95": top["ratio_lower_95"],
                "ratio_upper_95": top["ratio_upper_95"],
                "clear": bool(clear),
                "excess_events": top["excess_events"],
                "excess_all_groups": totals["excess_events"].get(m, np.nan),
                "disclosure_policy": policy.name,
            }
        )
    return pd.DataFrame(rows, columns=GAP_COLUMNS)


def organisation_summary(
    engine: Engine,
    organisation: organisations.Organisation,
    period: str | None,
    measures: Sequence[str] = (),
    policy: Policy | None = None,
    catalogue: cat.Catalogue = cat.CATALOGUE,
) -> OrganisationSummary:
    """Every measure (or ``measures``) of ``organisation`` over ``period``,
    released under ``policy`` (None: exact)."""
    pol = resolve(policy)
    names = tuple(measures) or catalogue.names
    years = span(engine, period)
    eth = org_counts(engine, organisation, "ethnic_group", catalogue)
    eth = eth[eth["measure"].isin(names)]
    totals = _pooled(eth, None, years)
    rates = released_rates(totals, pol, catalogue=catalogue)
    gaps = []
    for by in BREAKDOWNS:
        c = eth if by == "ethnic_group" else org_counts(engine, organisation, by, catalogue)
        c = c[c["measure"].isin(names)]
        gaps.append(worst_against_best(_pooled(c, by, years), by, pol, catalogue))
    gaps = [g for g in gaps if len(g)]
    gap_frame = pd.concat(gaps, ignore_index=True) if gaps else pd.DataFrame(columns=GAP_COLUMNS)
    return OrganisationSummary(
        organisation=organisation,
        years=years,
        policy=pol.name,
        measures=names,
        rates=_in_order(rates, names),
        gaps=_in_order(gap_frame, names),
    )


def _in_order(df: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    order = {m: i for i, m in enumerate(names)}
    return (
        df.assign(_o=df["measure"].map(order))
        .sort_values("_o", kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )


@dataclass(frozen=True, kw_only=True)
class MeasureDetail:
    organisation: organisations.Organisation
    years: periods.Years
    measure: str
    policy: str
    #: by breakdown: rates by group against the reference and the best group
    groups: dict[str, ByGroup]
    #: the organisation's rate over the years and by year (every group together)
    overall: pd.DataFrame
    by_year: pd.DataFrame
    #: by breakdown: rates by group and year
    group_years: dict[str, pd.DataFrame]
    #: by breakdown: each group's trend and its gap's trend against the reference
    trends: dict[str, pd.DataFrame]
    #: the organisation's trend against the 2025 ambition (no rows without one)
    ambition: pd.DataFrame
    #: the deprivation gradient (None when too few events to release it)
    gradient: Gradient | None


def _released_trends(
    t: pd.DataFrame, counts: pd.DataFrame, by: str, policy: Policy, measure: str
) -> pd.DataFrame:
    """Trend rows with the estimates of groups (and references) whose events over
    the span are fewer than the policy's minimum withheld."""
    t = t.rename(columns={by: "group"}).copy()
    t.insert(0, "by", by)
    events = counts.groupby(by)["numerator"].sum()
    total = counts["numerator"].sum()
    ev = t["group"].map(lambda g: total if g == "All" else events.get(g, 0))
    ref_ev = t["reference"].map(lambda r: events.get(r, 0) if isinstance(r, str) else np.inf)
    hide = (ev < policy.min_numerator_for_rate) | (ref_ev < policy.min_numerator_for_rate)
    stats = ["estimate", "lower_95", "upper_95", "p_value"]
    t[stats] = t[stats].astype(float)
    t["direction"] = t["direction"].astype(object)
    t.loc[hide, stats] = np.nan
    t.loc[hide & t["direction"].notna(), "direction"] = "withheld (too few events)"
    t["measure"] = measure
    t["disclosure_policy"] = policy.name
    return t


def _ambition(t: pd.DataFrame, counts: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    a = t[t["result"] == "ambition"].copy()
    cols = ["measure", "target", "latest_value", "projected_value", "year_reached", "note"]
    if a.empty:
        return pd.DataFrame(columns=[*cols, "disclosure_policy"])
    a = a[cols].reset_index(drop=True)
    latest = counts[counts["period"] == counts["period"].max()]["numerator"].sum()
    total = counts["numerator"].sum()
    for c in ("latest_value", "projected_value"):
        a[c] = a[c].astype(float)
        if policy.rate_decimals is not None:
            a[c] = a[c].round(policy.rate_decimals)
    if latest < policy.min_numerator_for_rate:
        a["latest_value"] = np.nan
    if total < policy.min_numerator_for_rate:
        a[["projected_value"]] = np.nan
        a["year_reached"] = "withheld (too few events)"
    a["disclosure_policy"] = policy.name
    return a


def measure_detail(
    engine: Engine,
    organisation: organisations.Organisation,
    period: str | None,
    measure: str,
    policy: Policy | None = None,
    catalogue: cat.Catalogue = cat.CATALOGUE,
) -> MeasureDetail:
    """``measure`` for ``organisation`` over ``period``, released under ``policy``
    (None: exact)."""
    pol = resolve(policy)
    m = catalogue.get(measure)
    years = span(engine, period)
    groups, group_years, trends = {}, {}, {}
    ambition = pd.DataFrame()
    by_year = overall = pd.DataFrame()
    for by in BREAKDOWNS:
        c = org_counts(engine, organisation, by, catalogue)
        c = c[(c["measure"] == m.name) & years.holds(c["period"])].reset_index(drop=True)
        ref = vocab.BREAKDOWN[by].reference
        groups[by] = by_group(pool(c, [*ORG_KEYS, by, "measure"], years.label), by, ref, pol)
        group_years[by] = released_rates(c, pol, [by], catalogue)
        known = c[~c[by].isin(vocab.UNKNOWN_GROUPS)]
        t = trend(c, "period", by, ref if (known[by] == ref).any() else None)
        trends[by] = _released_trends(t[t["result"] != "ambition"], known, by, pol, m.name)
        if by == "ethnic_group":
            total = c.groupby(["period", *ORG_KEYS, "measure"], as_index=False, sort=True)[
                ["numerator", "denominator"]
            ].sum()
            by_year = released_rates(total, pol, catalogue=catalogue)
            overall = released_rates(
                pool(total, [*ORG_KEYS, "measure"], years.label), pol, catalogue=catalogue
            )
            ambition = _ambition(t.assign(measure=m.name), total, pol)
    return MeasureDetail(
        organisation=organisation,
        years=years,
        measure=m.name,
        policy=pol.name,
        groups=groups,
        overall=overall,
        by_year=by_year,
        group_years=group_years,
        trends=trends,
        ambition=ambition,
        gradient=_gradient(engine, organisation, years, m, pol, catalogue),
    )


def _gradient(engine, org, years, m, pol: Policy, catalogue) -> Gradient | None:
    dec = org_counts(engine, org, "imd_decile", catalogue)
    dec = dec[dec["measure"] == m.name]
    pooled = _pooled(dec, "imd_decile", years)
    known = pooled[~pooled["imd_decile"].isin(vocab.UNKNOWN_GROUPS)]
    events = known["numerator"].sum()
    if events == 0 or events < pol.min_numerator_for_rate or (known["denominator"] == 0).any():
        return None
    released = released_rates(pooled, pol, ["imd_decile"], catalogue)
    ineq = inequality(known, "imd_decile", True)
    g = gradient(pooled, released, m, ineq)
    if pol.rate_decimals is None:
        return g
    return Gradient(
        measure=g.measure,
        deciles=g.deciles,
        fitted=g.fitted.assign(fit=g.fitted["fit"].round(pol.rate_decimals + 1)),
        sii=round(g.sii, pol.rate_decimals + 1),
        rii=round(g.rii, 2),
    )


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """A measure's group rates of one organisation beside England's."""

    measure: str
    #: by breakdown: group, value, lower_95, upper_95, england_value, vs_england
    groups: dict[str, pd.DataFrame]
    #: the organisation's rate by year beside England's (``england_value``)
    by_year: pd.DataFrame
    #: England's rate over the years (every group together) and its policy
    england_value: float
    england_policy: str


def against_england(detail: MeasureDetail, england: MeasureDetail) -> Comparison:
    """Each group's released rate and interval beside England's released rate
    for the same group; ``vs_england`` says whether the interval lies wholly
    above ('higher') or below ('lower') England's rate or includes it
    ('similar'), compared with England's released figure only."""
    out = {}
    for by, g in detail.groups.items():
        e = england.groups[by].table[[by, "value"]].rename(columns={"value": "england_value"})
        t = g.table[[by, "numerator", "denominator", "value", "lower_95", "upper_95"]].merge(
            e, on=by, how="left"
        )
        t["vs_england"] = np.select(
            [
                t["value"].isna() | t["england_value"].isna(),
                t["lower_95"] > t["england_value"],
                t["upper_95"] < t["england_value"],
            ],
            ["", "higher", "lower"],
            "similar",
        )
        out[by] = t
    eng = england.overall["value"]
    e_year = england.by_year[["period", "value"]].rename(columns={"value": "england_value"})
    cols = ["period", "numerator", "denominator", "value", "lower_95", "upper_95"]
    by_year = (
        detail.by_year[cols].merge(e_year, on="period", how="left")
        if len(detail.by_year)
        else pd.DataFrame(columns=[*cols, "england_value"])
    )
    return Comparison(
        measure=detail.measure,
        groups=out,
        by_year=by_year,
        england_value=float(eng.iloc[0]) if len(eng) else np.nan,
        england_policy=england.policy,
    )
