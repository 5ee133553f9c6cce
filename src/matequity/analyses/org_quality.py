"""The data quality behind one organisation's figures, for a span of years:

* coding completeness: the percentage of babies with a recorded ethnic group
  and IMD quintile, overall and by the other dimension (docs/quality.md);
* the MIS safety action 2 ethnicity check (mother's ethnic category valid for
  at least 90% of women booked in the month) for the organisation's trusts
  (a site shows its trust's), each trust's months passing;
* plausibility checks (values that pass validation but are unlikely) summed
  over the organisation's sites;
* rows quarantined at ingest by reason.

Counts are released under the policy (None: exact), percentages computed from
the unrounded counts (the NHS convention). Engine work: the store-wide quality
tables of :mod:`matequity.analyses.dashboard_counts`, computed once.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from matequity.analyses import dashboard_counts as dc
from matequity.analyses import organisations, periods
from matequity.analyses.exact import resolve
from matequity.analyses.organisation_view import span
from matequity.disclosure.columns import release_columns
from matequity.disclosure.policy import Policy
from matequity.engine.base import Engine
from matequity.quality.mis import THRESHOLD_PERCENT


@dataclass(frozen=True, kw_only=True)
class OrganisationQuality:
    organisation: organisations.Organisation
    years: periods.Years
    policy: str
    #: dimension (ethnicity, deprivation), known, total, percent
    completeness: pd.DataFrame
    #: completeness of each dimension by the other's categories
    completeness_by: pd.DataFrame
    #: per trust: booking months checked, months passing, the latest month's percent
    mis_summary: pd.DataFrame
    #: per trust and booking month in the span: valid, booked, percent, pass
    mis: pd.DataFrame
    #: per check: records flagged over the span, months (or years) flagged, detail
    plausibility: pd.DataFrame
    #: per reason: rows quarantined with a birth in the span (or no readable date)
    quarantine: pd.DataFrame
    mis_threshold: float = THRESHOLD_PERCENT


def _trusts(engine: Engine, org: organisations.Organisation) -> list[str]:
    o = dc.organisations(engine)
    return sorted(set(o.loc[o["site_code"].isin(org.sites), "trust_code"]))


def _in_years(labels: pd.Series, years: periods.Years) -> pd.Series:
    y = pd.to_numeric(labels.astype(str).str[:4], errors="coerce")
    return y.between(years.first, years.last)


def organisation_quality(
    engine: Engine,
    organisation: organisations.Organisation,
    period: str | None,
    policy: Policy | None = None,
) -> OrganisationQuality:
    pol = resolve(policy)
    rel = None if policy is None else pol
    years = span(engine, period)
    comp = dc.coding_completeness(engine)
    mine = comp[(comp["org_level"] == organisation.level) & (comp["org_code"] == organisation.code)]
    overall = mine[mine["by"] == "organisation"][["dimension", "known", "total", "percent"]]
    by_other = mine[mine["by"] != "organisation"][
        ["dimension", "by", "category", "known", "total", "percent"]
    ]
    mis_all = dc.mis(engine).table
    mis = mis_all[
        mis_all["trust_code"].isin(_trusts(engine, organisation))
        & _in_years(mis_all["month"], years)
    ].reset_index(drop=True)
    summary = (
        mis.sort_values("month")
        .groupby("trust_code", as_index=False)
        .agg(
            months=("month", "size"),
            months_passing=("pass", "sum"),
            latest_month=("month", "last"),
            latest_percent=("percent", "last"),
        )
    )
    pl = dc.plausibility_checks(engine)
    pl = pl[pl["site_code"].isin(organisation.sites) & _in_years(pl["period"], years)]
    plaus = pl.groupby(["check", "detail"], as_index=False).agg(
        flagged=("flagged", "sum"), periods_flagged=("period", "nunique")
    )[["check", "flagged", "periods_flagged", "detail"]]
    q = dc.quarantine(engine)
    q = q[(q["org_level"] == organisation.level) & (q["org_code"] == organisation.code)]
    dated = (
        _in_years(q["month"], years)
        | pd.to_numeric(q["month"].astype(str).str[:4], errors="coerce").isna()
    )
    quar = q[dated].groupby("reason", as_index=False)["rows"].sum()
    quar = quar.sort_values("rows", ascending=False).reset_index(drop=True)
    return OrganisationQuality(
        organisation=organisation,
        years=years,
        policy=pol.name,
        completeness=release_columns(overall.reset_index(drop=True), rel, ("known", "total")),
        completeness_by=release_columns(by_other.reset_index(drop=True), rel, ("known", "total")),
        mis_summary=release_columns(summary, rel, ()),
        mis=release_columns(mis, rel, ("valid", "booked")),
        plausibility=release_columns(plaus.reset_index(drop=True), rel, ("flagged",)),
        quarantine=release_columns(quar, rel, ("rows",)),
    )
