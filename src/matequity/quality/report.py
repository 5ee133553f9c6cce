"""``matequity quality``: the data-quality report of a store, as CSV files.

Writes (all per organisation level site / trust / LMNS / region / England where
the table has organisations):

* ``field_quality.csv``: Valid / Default / Invalid / Missing / Denominator per
  field and month (NHS England's MSDS data-quality layout);
* ``quarantine_reasons.csv``: rows quarantined at ingest by reason and month;
* ``mis_ethnicity.csv``: MIS safety action 2 ethnicity check per trust-month;
* ``plausibility.csv``: plausibility checks per site and period;
* ``completeness.csv``: ethnicity and deprivation completeness by organisation
  and by the other dimension;
* ``equity_bounds.csv``: each group's rate with worst-case bounds for the
  babies whose group is not recorded, and the rate among those babies.

Counts are computed in the engine; this module only arranges count tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import ibis
import numpy as np
import pandas as pd

from matequity.analyses.organisations import table as org_table
from matequity.counts.compute import count_table
from matequity.disclosure.columns import release_columns
from matequity.disclosure.policy import Policy
from matequity.engine import derive
from matequity.engine.base import Engine
from matequity.ingest import parse
from matequity.measures.catalogue import MEASURES
from matequity.model import deprivation, ethnicity
from matequity.quality import birthweight_reference as bwref
from matequity.quality import field_status
from matequity.quality.completeness import completeness, site_cells
from matequity.quality.mis import mis_ethnicity
from matequity.quality.plausibility import plausibility
from matequity.quality.rollup import roll_up
from matequity.stats.missing_bounds import bounds
from matequity.tablefiles import write_counts

FILES = (
    "field_quality.csv",
    "quarantine_reasons.csv",
    "mis_ethnicity.csv",
    "plausibility.csv",
    "completeness.csv",
    "equity_bounds.csv",
)
#: reference groups for the gap bounds
REFERENCES = {"ethnic_group": ethnicity.WHITE, "imd_quintile": deprivation.quintile_label(5)}


@dataclass
class QualityReport:
    tables: dict[str, pd.DataFrame]
    paths: list[Path] = field(default_factory=list)
    mis_undated: int = 0
    mis_incomplete_months: tuple[str, ...] = ()
    birthweight_reference: str = bwref.INTERNAL_NAME


def field_quality(engine: Engine, organisations: pd.DataFrame) -> pd.DataFrame:
    site = field_status.site_month_counts(engine)
    out = roll_up(site, organisations, ["month", "field"], list(field_status.STATUSES))
    out["denominator"] = out[list(field_status.STATUSES)].sum(axis=1)
    order = {r.name: i for i, r in enumerate(field_status.RULES)}
    out["_f"] = out["field"].map(order)
    lv = {lvl: i for i, lvl in enumerate(("site", "trust", "lmns", "region", "england"))}
    out["_l"] = out["org_level"].map(lv)
    out = out.sort_values(["_l", "org_code", "month", "_f"]).drop(columns=["_f", "_l"])
    return out.reset_index(drop=True)


def quarantine_reasons(engine: Engine, organisations: pd.DataFrame) -> pd.DataFrame:
    q = engine.table("quarantine")
    sites = engine.table("organisations").site_code
    raw_site = parse.clean(q.raw_site_code)
    site = ibis.cases((raw_site.isin(sites), raw_site), else_=ibis.literal("Not known"))
    month = derive.period_label(parse.parse_date(parse.clean(q.raw_birth_date)), "month")
    agg = q.group_by(
        site_code=site, month=month.fill_null(field_status.NOT_KNOWN_MONTH), reason=q.reason
    ).aggregate(rows=q.count())
    site_counts = engine.execute(agg)
    if site_counts.empty:
        return pd.DataFrame(columns=["org_level", "org_code", "month", "reason", "rows"])
    return roll_up(site_counts, organisations, ["month", "reason"], ["rows"])


def equity_bounds(engine: Engine, grouping: str = "msds") -> pd.DataFrame:
    parts = []
    for by, ref in REFERENCES.items():
        for level in ("england", "lmns"):
            counts = count_table(
                engine, MEASURES, by=[by], level=level, period="all", grouping=grouping
            )
            b = bounds(
                counts, by, ref, keys=["org_level", "org_code", "org_name", "period", "measure"]
            )
            b = b.rename(columns={by: "group"})
            b.insert(b.columns.get_loc("group"), "breakdown", by)
            parts.append(b)
    return pd.concat(parts, ignore_index=True)


def build(
    engine: Engine,
    reference: bwref.LmsReference | None = None,
    grouping: str = "msds",
) -> QualityReport:
    """Every table of the report (unreleased)."""
    orgs = org_table(engine)
    mis = mis_ethnicity(engine)
    tables = {
        "field_quality.csv": field_quality(engine, orgs),
        "quarantine_reasons.csv": quarantine_reasons(engine, orgs),
        "mis_ethnicity.csv": mis.table,
        "plausibility.csv": plausibility(engine, reference),
        "completeness.csv": completeness(site_cells(engine, grouping), orgs),
        "equity_bounds.csv": equity_bounds(engine, grouping),
    }
    return QualityReport(
        tables,
        mis_undated=mis.undated,
        mis_incomplete_months=mis.incomplete_months,
        birthweight_reference=reference.name if reference else bwref.INTERNAL_NAME,
    )


#: per table: count columns, statistics, and the count that gates the statistics
RELEASE = {
    "field_quality.csv": (("valid", "default", "invalid", "missing", "denominator"), (), None),
    "quarantine_reasons.csv": (("rows",), (), None),
    "mis_ethnicity.csv": (("valid", "booked"), (), None),
    "plausibility.csv": (("flagged", "of"), (), None),
    "completeness.csv": (("known", "total"), (), None),
    "equity_bounds.csv": (
        ("numerator", "denominator", "unknown_numerator", "unknown_denominator"),
        (
            "rate",
            "rate_lower_bound",
            "rate_upper_bound",
            "gap",
            "gap_lower_bound",
            "gap_upper_bound",
            "ratio",
            "ratio_lower_bound",
            "ratio_upper_bound",
        ),
        "numerator",
    ),
}


def released(report: QualityReport, policy: Policy | None) -> dict[str, pd.DataFrame]:
    """Every table through ``policy`` (None: analyst-only, unrounded, marked so)."""
    out = {}
    for name, df in report.tables.items():
        counts, stats, small = RELEASE[name]
        out[name] = release_columns(df, policy, counts, stats, small)
    return out


def write(report: QualityReport, out: Path, policy: Policy | None = None) -> list[Path]:
    """Write every table, released through ``policy``."""
    paths = [write_counts(df, out / name) for name, df in released(report, policy).items()]
    report.paths = paths
    return paths


def summary_lines(report: QualityReport, policy: Policy | None = None) -> list[str]:
    """A short plain-text summary (aggregates only). Totals are computed from the
    unrounded tables and each printed count is then released through ``policy``
    (rounding each cell first and summing would inflate small counts)."""

    def n(x: float) -> str:
        if policy is None:
            return f"{int(x):,}"
        v = float(policy.count(np.array([x]))[0])
        return "withheld" if np.isnan(v) else f"{int(v):,}"

    tables = report.tables
    fq = tables["field_quality.csv"]
    eng = (
        fq[fq["org_level"] == "england"]
        .groupby("field")[["valid", "default", "invalid", "missing", "denominator"]]
        .sum()
    )
    lines = []
    if len(eng):
        lines.append(f"{n(eng['denominator'].max())} rows assessed (accepted and quarantined)")
        eng = eng.astype("float64")
        eng["not_valid"] = 100 * (1 - eng["valid"] / eng["denominator"])
        eng = eng.drop(index=list(field_status.BLANK_EXPECTED), errors="ignore")
        worst = eng.sort_values("not_valid", ascending=False).head(3)
        lines.append(
            "least complete fields: "
            + "; ".join(f"{f} {p:.1f}% not valid" for f, p in worst["not_valid"].items())
        )
    mis = tables["mis_ethnicity.csv"]
    if len(mis):
        fails = mis[~mis["pass"]]
        lines.append(
            f"MIS SA2 ethnicity: {len(mis) - len(fails)} of {len(mis)} trust-months pass "
            f"(>= 90% valid); {fails['trust_code'].nunique()} trusts fail in at least one month"
        )
    if report.mis_undated:
        lines.append(f"{n(report.mis_undated)} women without a derivable booking month")
    pl = tables["plausibility.csv"]
    if len(pl):
        per = pl.groupby("check")["flagged"].sum()
        lines.append(
            "plausibility (records flagged): " + "; ".join(f"{c} {n(v)}" for c, v in per.items())
        )
    else:
        lines.append("plausibility: nothing flagged")
    comp = tables["completeness.csv"]
    e = comp[(comp["org_level"] == "england") & (comp["by"] == "organisation")]
    for _, r in e.iterrows():
        lines.append(f"{r['dimension']} recorded for {r['percent']:.1f}% of babies (England)")
    return lines
