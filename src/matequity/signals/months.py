"""Months of birth as monthly periods, from a table's ``month`` column."""

from __future__ import annotations

import numpy as np
import pandas as pd

from matequity.errors import UserError


def month_index(m: pd.Series) -> pd.PeriodIndex:
    """The months of ``m`` ('YYYY-MM...') as monthly periods. pandas parses text
    into periods one value at a time, so each distinct month is parsed once (a
    table has a few hundred months and tens of thousands of rows)."""
    text = m.astype(str).str.slice(0, 7)
    months, where = np.unique(text.to_numpy(dtype=object), return_inverse=True)
    try:
        return pd.PeriodIndex(months, freq="M")[where.reshape(-1)]
    except (ValueError, TypeError):
        raise UserError("column 'month': expected YYYY-MM") from None
