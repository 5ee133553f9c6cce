"""The WRES figures of one or more organisations as a documented CSV
(docs/data-model.md, "Staff experience (WRES)").

Columns: ``org_code, period, indicator, group, numerator, denominator``; ``band``
(indicators 1 and 9, else blank or ``All``), ``staff_group`` (indicator 1:
``All``, ``Clinical`` or ``Non-clinical``; default ``All``) and ``org_name`` are
optional. ``group`` is ``White``, ``BME`` or ``Unknown`` (``BAME``, ``Ethnic
minority`` and ``Global majority`` are read as BME, ``Not stated`` as Unknown).

The layout trusts submit to NHS England (the WRES data collection template)
could not be read from public material, so no import of it is offered: a
trust's figures go into this CSV (see the documentation for each indicator's
numerator and denominator).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from matequity.errors import InputFileError
from matequity.experience.table import (
    _first,
    check_allowed,
    check_not_above,
    check_periods,
    check_unique,
    read_table,
)
from matequity.experience.wres_indicators import (
    AFC_BANDS,
    BME,
    BOARD_ROWS,
    GROUPS,
    INDICATORS,
    STAFF_GROUPS,
    UNKNOWN,
)

ALIASES = {
    "bame": BME,
    "ethnic minority": BME,
    "global majority": BME,
    "black and minority ethnic": BME,
    "not stated": UNKNOWN,
    "not known": UNKNOWN,
}
KEYS = ["org_code", "period", "indicator", "staff_group", "band", "group"]


def read_wres(path: str | Path) -> pd.DataFrame:
    """The checked table; ``indicator`` as int, ``band``/``staff_group`` filled."""
    p = str(path)
    df = read_table(
        path,
        ("org_code", "period", "indicator", "group"),
        ("numerator", "denominator"),
        what="WRES table",
    )
    ind = pd.to_numeric(df["indicator"].str.removeprefix("WRES").str.strip(), errors="coerce")
    bad = ~ind.isin(list(INDICATORS))
    if bad.any():
        raise InputFileError(
            p, f"row {_first(bad)}, column 'indicator': unknown indicator (expected 1 to 9)"
        )
    df["indicator"] = ind.astype(int)
    df["group"] = df["group"].map(lambda g: ALIASES.get(g.strip().lower(), g))
    check_allowed(df, p, "group", GROUPS, "group")
    check_periods(df, p, "period", monthly=False)
    for col in ("band", "staff_group"):
        if col not in df.columns:
            df[col] = "All"
        df[col] = df[col].astype(str).str.strip().replace("", "All")
    check_allowed(df, p, "staff_group", STAFF_GROUPS, "staff group")
    for number, allowed, what in (
        (1, AFC_BANDS, "band for indicator 1"),
        (9, BOARD_ROWS, "row for indicator 9"),
    ):
        rows = df["indicator"] == number
        if rows.any():
            part = df.loc[rows, ["band"]].copy()
            canon = {a.lower(): a for a in allowed}
            low = part["band"].str.lower()
            badb = ~low.isin(canon)
            if badb.any():
                row = int(part.index[badb.to_numpy()][0]) + 1
                raise InputFileError(
                    p,
                    f"row {row}, column 'band': unknown {what} "
                    f"(expected one of {', '.join(allowed)})",
                )
            df.loc[rows, "band"] = low.map(canon)
    other = ~df["indicator"].isin([1, 9]) & ~df["band"].str.lower().eq("all")
    if other.any():
        raise InputFileError(
            p,
            f"row {_first(other)}, column 'band': indicators 2-8 have no bands "
            "(leave it blank or All)",
        )
    nine_group = (df["indicator"] == 9) & (df["staff_group"] != "All")
    if nine_group.any():
        raise InputFileError(
            p, f"row {_first(nine_group)}, column 'staff_group': indicator 9 has no staff groups"
        )
    check_not_above(df, p, "numerator", "denominator")
    check_unique(df, p, KEYS)
    df["period"] = df["period"].astype(str)
    return df
