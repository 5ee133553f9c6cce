"""Tables as CSV text for download, formula-like cells neutralised (as every
matequity CSV: :func:`matequity.tablefiles.neutralise`)."""

from __future__ import annotations

import pandas as pd

from matequity.tablefiles import neutralise


def csv_text(df: pd.DataFrame) -> str:
    return neutralise(df).to_csv(index=False)
