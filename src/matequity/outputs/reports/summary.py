"""The equity summary as a document: the reconciliation of every load, each
measure for England by ethnic group and by IMD quintile, England by year, each
LMNS's measures (folded), and the data-quality summary.

Layout only: every figure comes from :func:`matequity.analyses.summary.summary`
and :func:`matequity.analyses.quality.quality`, released under the policy.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from matequity import __version__
from matequity import vocabulary as vocab
from matequity.analyses.quality import QualityAnalysis
from matequity.analyses.summary import BREAKDOWNS, Summary
from matequity.outputs.reports.document import Report, Section, Table, measure_definitions


def _fmt(v, digits: int = 2) -> str:
    return "" if pd.isna(v) else f"{v:,.{digits}f}"


def _n(v) -> str:
    return "withheld" if pd.isna(v) else f"{int(v):,}"


def rate_table(data: Summary, rates: pd.DataFrame, measure: str, by: str) -> Table:
    """One measure by one breakdown: events, population, rate and 95% CI."""
    m = data.catalogue.get(measure)
    part = rates[rates["measure"] == measure]
    title = vocab.BREAKDOWN[by].title
    return Table(
        f"{m.title} ({m.per}) by {title.lower()}",
        (title, "Events", "Population", "Rate", "95% CI"),
        tuple(
            (
                str(r[by]),
                _n(r["numerator"]),
                _n(r["denominator"]),
                _fmt(r["value"]),
                "" if pd.isna(r["value"]) else f"{_fmt(r['lower_95'])} to {_fmt(r['upper_95'])}",
            )
            for _, r in part.iterrows()
        ),
    )


def report(
    data: Summary, quality: QualityAnalysis, *, title: str, source: str, period: str
) -> Report:
    sections = [
        Section(
            "Records loaded",
            (
                "Every row read is either accepted or quarantined with its reason: rows read = "
                "accepted + quarantined.",
            ),
            tables=(
                Table(
                    "Reconciliation by file",
                    ("File", "Kind", "Rows read", "Accepted", "Quarantined"),
                    tuple(
                        (
                            r.file_name,
                            r.kind,
                            _n(r.rows_read),
                            _n(r.rows_accepted),
                            _n(r.rows_quarantined),
                        )
                        for r in quality.loads.itertuples()
                    ),
                ),
                Table(
                    "Quarantined rows by reason",
                    ("File", "Reason", "What it means", "Rows"),
                    tuple(
                        (r.file_name, r.reason, str(r.description), _n(r.rows))
                        for r in quality.reasons.itertuples()
                    ),
                ),
            ),
        )
    ]
    sections += [
        Section(
            f"England: {m.title}",
            tables=tuple(
                rate_table(data, data.rates[("england", by)], m.name, by) for by in BREAKDOWNS
            ),
        )
        for m in data.catalogue
    ]
    years = data.by_year
    sections.append(
        Section(
            "England by year",
            tables=(
                Table(
                    "Each measure by year of birth",
                    ("Year", *[m.title for m in data.catalogue]),
                    tuple(
                        (
                            str(y),
                            *(
                                _fmt(part.loc[part["measure"] == m.name, "value"].iloc[0])
                                if (part["measure"] == m.name).any()
                                else ""
                                for m in data.catalogue
                            ),
                        )
                        for y, part in years.groupby("period", sort=True)
                    ),
                ),
            ),
        )
    )
    lmns = data.rates[("lmns", BREAKDOWNS[0])][["org_code", "org_name"]].drop_duplicates()
    for r in lmns.sort_values(["org_name", "org_code"]).itertuples():
        sections.append(
            Section(
                f"{r.org_name} ({r.org_code})",
                tables=tuple(
                    rate_table(
                        data,
                        data.rates[("lmns", by)][
                            data.rates[("lmns", by)]["org_code"] == r.org_code
                        ],
                        m.name,
                        by,
                    )
                    for by in BREAKDOWNS
                    for m in data.catalogue
                ),
                collapsible=True,
            )
        )
    sections.append(
        Section(
            "Data quality",
            (
                "Field validity in the NHS layout, the MIS safety action 2 ethnicity check, "
                "plausibility checks, completeness and bounds for unrecorded groups (tables in "
                "quality/).",
                *quality.summary,
            ),
        )
    )
    return Report(
        kind="summary",
        title=title,
        organisation="England and every local maternity and neonatal system",
        period=period,
        source=source,
        definitions=(
            *measure_definitions(data.catalogue),
            "Intervals: 95% confidence intervals, Wilson score for percentages; exact Poisson "
            "below 10 events and Byar's from 10 for rates (as PHEindicatormethods).",
            "Deprivation: IMD quintile of the mother's residence, 1 = most deprived.",
        ),
        disclosure=f"'{data.policy.name}' policy: {data.policy.title}",
        version=__version__,
        generated=dt.date.today().isoformat(),
        sections=tuple(sections),
    )
