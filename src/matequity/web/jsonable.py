"""DataFrames and values as JSON-ready Python (NaN and missing as null, dates
as ISO strings, NumPy scalars as Python numbers)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd


def value(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(v, (pd.Timestamp, dt.datetime)):
        return v.isoformat(timespec="seconds")
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def records(df: pd.DataFrame, columns: list[str] | None = None) -> list[dict[str, Any]]:
    cols = columns or list(df.columns)
    return [
        {c: value(v) for c, v in zip(cols, row, strict=True)}
        for row in df[cols].itertuples(index=False)
    ]
