"""DataFrames and values as JSON-ready Python (NaN and missing as null, dates
as ISO strings, NumPy scalars as Python numbers)."""

from __future__ import annotations

import datetime as dt
import json
import math
import secrets
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


class RawJSON(str):
    """JSON text to be placed as is inside a :func:`json_response`."""


def frame_json(df: pd.DataFrame) -> RawJSON:
    """Rows as a JSON array, written by pandas (NaN as null; 15 significant digits)."""
    return RawJSON(df.to_json(orient="records", date_format="iso", double_precision=15))


def json_response(obj: dict[str, Any], status: int = 200):
    """A JSON response serialised once with the standard library (no per-item
    encoder pass); :class:`RawJSON` values are inserted verbatim."""
    from fastapi.responses import Response

    raw: dict[str, str] = {}
    nonce = secrets.token_hex(8)  # no value in the data can equal a placeholder

    def mark(o: Any) -> Any:
        if isinstance(o, RawJSON):
            key = f"__raw_{nonce}_{len(raw)}__"
            raw[key] = o
            return key
        if isinstance(o, dict):
            return {k: mark(v) for k, v in o.items()}
        if isinstance(o, list):
            return [mark(v) for v in o]
        return value(o)

    text = json.dumps(mark(obj), separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    for key, js in raw.items():
        text = text.replace(f'"{key}"', js, 1)
    return Response(text.encode("utf-8"), status_code=status, media_type="application/json")
