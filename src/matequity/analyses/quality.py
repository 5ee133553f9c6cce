"""The data-quality analysis of a store: field validity in the NHS layout, the
MIS safety action 2 ethnicity check, plausibility checks, coding completeness
and bounds on each group's rate for the babies whose group is not recorded
(:mod:`matequity.quality.report`), every table released under the policy, with
a short plain summary and the reconciliation of every load."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from matequity.disclosure.policy import Policy
from matequity.engine.base import Engine
from matequity.ingest import audit
from matequity.quality import birthweight_reference as bwref
from matequity.quality import report as quality_report


@dataclass(frozen=True, kw_only=True)
class QualityAnalysis:
    #: file name -> released table
    tables: dict[str, pd.DataFrame]
    summary: tuple[str, ...]
    birthweight_reference: str
    #: every load: rows read, accepted, quarantined (released counts)
    loads: pd.DataFrame
    #: quarantined rows by file and reason (released counts)
    reasons: pd.DataFrame
    policy: str


def quality(
    engine: Engine,
    policy: Policy | None,
    reference: bwref.LmsReference | None = None,
    grouping: str = "msds",
) -> QualityAnalysis:
    """``policy=None``: analyst-only, unrounded (marked so in every table)."""
    rep = quality_report.build(engine, reference, grouping)
    loads, reasons = audit.loads(engine), audit.reasons(engine)
    if policy is not None:
        for c in ("rows_read", "rows_accepted", "rows_quarantined"):
            loads[c] = policy.count(loads[c].to_numpy()).astype("int64")
        reasons["rows"] = policy.count(reasons["rows"].to_numpy()).astype("int64")
    return QualityAnalysis(
        tables=quality_report.released(rep, policy),
        summary=tuple(quality_report.summary_lines(rep, policy)),
        birthweight_reference=rep.birthweight_reference,
        loads=loads,
        reasons=reasons,
        policy=policy.name if policy else "none",
    )
