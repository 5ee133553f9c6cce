"""What the store says about its loads: the reconciliation of every file
(rows read = accepted + quarantined) and the quarantined rows by reason.
Aggregates only: nothing here reads a record."""

from __future__ import annotations

import pandas as pd

from matequity.engine.base import Engine
from matequity.ingest.reasons import DESCRIPTIONS


def loads(engine: Engine) -> pd.DataFrame:
    """One row per file loaded: load_id, file_name, kind, rows read, accepted,
    quarantined, loaded_at."""
    t = engine.table("loads")
    cols = ["load_id", "file_name", "kind", "rows_read", "rows_accepted", "rows_quarantined"]
    df = engine.execute(t.select(*cols, "loaded_at").order_by("load_id"))
    return df.reset_index(drop=True)


def reasons(engine: Engine) -> pd.DataFrame:
    """Quarantined rows per file and reason, with the reason's description; the
    most frequent reasons first, ties by reason (the same order on every engine)."""
    t = engine.table("reconciliation")
    q = t.filter(t.outcome == "quarantined").select("load_id", "file_name", "reason", "rows")
    df = engine.execute(q.order_by(["load_id", q.rows.desc(), "reason"])).reset_index(drop=True)
    df["description"] = df["reason"].map(DESCRIPTIONS)
    return df


def reconciliation(engine: Engine) -> pd.DataFrame:
    """Every load's rows by outcome and reason (the ``reconciliation`` table)."""
    t = engine.table("reconciliation")
    df = engine.execute(t.order_by(["load_id", "outcome", "reason"]))
    return df.reset_index(drop=True)
