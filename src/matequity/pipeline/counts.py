"""Count tables and the reconciliation straight from a store: open the engine,
run, close. The CLI's ``counts`` and ``reconciliation`` verbs call these."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from matequity import engine as engines
from matequity.counts.compute import count_rows
from matequity.counts.tidy import CountRows
from matequity.measures import catalogue

if TYPE_CHECKING:
    import pandas as pd


def counts_from_store(
    kind: str,
    location: Path,
    *,
    measures: Sequence[str] = (),
    by: Sequence[str] = (),
    level: str = "england",
    period: str = "year",
    grouping: str = "msds",
    totals: bool = False,
    org_codes: Sequence[str] | None = None,
) -> CountRows:
    """The count table's rows (no pandas: a count table is one GROUP BY and a
    few thousand rows laid out in Python)."""
    ms = [catalogue.get(m) for m in measures] or list(catalogue.MEASURES)
    with engines.open(kind, location) as eng:
        return count_rows(
            eng,
            ms,
            by=by,
            level=level,
            period=period,
            grouping=grouping,
            totals=totals,
            org_codes=org_codes,
        )


def reconciliation_from_store(
    kind: str, location: Path
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(loads, reasons, the reconciliation table) of the store."""
    from matequity.ingest import audit

    with engines.open(kind, location, derive=False) as eng:
        return audit.loads(eng), audit.reasons(eng), audit.reconciliation(eng)


def export(store: Path, out: Path) -> list[Path]:
    """Copy the DuckDB store to a Spark folder store at ``out``."""
    from matequity.engine.export import export_store

    return export_store(store, out)
