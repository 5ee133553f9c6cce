"""``matequity quality``: the data-quality analysis of a store, written as CSVs."""

from __future__ import annotations

from pathlib import Path

from matequity import engine as engines
from matequity.analyses.quality import QualityAnalysis, quality
from matequity.disclosure.policy import Policy
from matequity.quality.birthweight_reference import LmsReference
from matequity.tablefiles import write_counts


def quality_to_files(
    kind: str,
    location: Path,
    out: Path,
    policy: Policy | None,
    reference: LmsReference | None = None,
    grouping: str = "msds",
) -> tuple[QualityAnalysis, list[Path]]:
    with engines.open(kind, location) as eng:
        q = quality(eng, policy, reference, grouping)
    return q, [write_counts(df, out / name) for name, df in q.tables.items()]
